import { createHash } from "node:crypto";
import { TENANT_ID_PATTERN } from "@ai-jobs/contracts";
import { z } from "zod";

export type Role = "admin" | "user";
export interface Principal {
  tenantId: string;
  userId: string;
  role: Role;
}

/**
 * `AUTH_TOKENS="token:tenant:role,…"`: the minimal bearer-token map until real auth lands. Every request that is
 * not a health check resolves to a Principal, so no code path runs without a tenant.
 */
export const AuthTokens = z
  .string()
  .min(1, "AUTH_TOKENS must list at least one token:tenant:role")
  .transform((raw, ctx) => {
    const map = new Map<string, Principal>();
    for (const entry of raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [token, tenantId, role = "user"] = entry.split(":");
      if (!token || !tenantId || !TENANT_ID_PATTERN.test(tenantId) || (role !== "admin" && role !== "user")) {
        ctx.addIssue({ code: "custom", message: `bad AUTH_TOKENS entry "${entry.replace(/^[^:]*/, "***")}"` });
        return z.NEVER;
      }
      // The user id is derived from the token without revealing it.
      const userId = `u_${createHash("sha256").update(token).digest("hex").slice(0, 12)}`;
      map.set(token, { tenantId, userId, role });
    }
    return map as ReadonlyMap<string, Principal>;
  });

/** Resolves an `Authorization: Bearer …` header to its principal, or undefined. */
export function authenticate(
  tokens: ReadonlyMap<string, Principal>,
  header: string | undefined,
): Principal | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ? tokens.get(match[1]) : undefined;
}
