import { TENANT_ID_PATTERN } from "@ai-jobs/contracts";
import { Webhook } from "standardwebhooks";
import { z } from "zod";

/**
 * `WEBHOOK_SECRETS="tenant:whsec_<base64>,…"`: the signing secrets of each tenant; a tenant without one gets none.
 * A tenant listed twice has two secrets, and every delivery is signed with both (Standard Webhooks carries several
 * signatures in one header), which is how a secret is rotated without a delivery its receiver cannot verify.
 */
export const WebhookSecrets = z
  .string()
  .default("")
  .transform((raw, ctx) => {
    const map = new Map<string, string[]>();
    for (const entry of raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const at = entry.indexOf(":");
      const tenantId = entry.slice(0, Math.max(at, 0));
      const secret = entry.slice(at + 1);
      let valid = at > 0 && TENANT_ID_PATTERN.test(tenantId) && secret.length > 0;
      if (valid) {
        try {
          new Webhook(secret);
        } catch {
          valid = false;
        }
      }
      if (!valid) {
        ctx.addIssue({ code: "custom", message: `bad WEBHOOK_SECRETS entry for "${tenantId || "?"}"` });
        return z.NEVER;
      }
      map.set(tenantId, [...(map.get(tenantId) ?? []), secret]);
    }
    return map as ReadonlyMap<string, readonly string[]>;
  });

/** The default retry schedule: 8 attempts over about 3 h 45 min. */
export const DEFAULT_WEBHOOK_BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000];

/** `WEBHOOK_BACKOFF_MS="5000,30000,…"`: the delay before each retry; a delivery makes one attempt more than listed. */
export const WebhookBackoff = z
  .string()
  .default(DEFAULT_WEBHOOK_BACKOFF_MS.join(","))
  .transform((raw, ctx) => {
    const delays = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map(Number);
    if (delays.some((d) => !Number.isInteger(d) || d < 0)) {
      ctx.addIssue({ code: "custom", message: "WEBHOOK_BACKOFF_MS must list whole milliseconds" });
      return z.NEVER;
    }
    return delays as readonly number[];
  });
