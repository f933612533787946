import type { Priority } from "@ai-jobs/contracts";
import { describe, expect, it } from "vitest";
import { authConfigShape } from "./auth/auth-config.js";
import { createAuthenticator } from "./auth/authenticator.js";
import { AuthTokens } from "./auth/static-tokens.js";
import { backoffDelayMs } from "./backoff.js";
import { CancelFlags } from "./cancel-flags.js";
import { baseConfigShape, ConfigError, loadConfig } from "./config.js";
import { WORKER_ACK_WAIT_MS } from "./nats.js";
import { defineJob, jobCatalog } from "./worker/job-definition.js";
import { PriorityPicker } from "./worker/priority-picker.js";
import { heartbeatIntervalMs } from "./worker/worker.js";

describe("PriorityPicker", () => {
  it("runs the highest waiting priority first", () => {
    const picker = new PriorityPicker(8);
    expect(picker.pick(new Set<Priority>(["low", "critical", "normal"]))).toBe("critical");
    expect(picker.pick(new Set<Priority>(["low", "normal"]))).toBe("normal");
    expect(picker.pick(new Set<Priority>())).toBeUndefined();
  });

  it("lets a passed-over low job run after agingLimit higher picks, so it never starves", () => {
    const picker = new PriorityPicker(3);
    const picks = Array.from({ length: 8 }, () => picker.pick(new Set<Priority>(["high", "low"])));
    expect(picks).toEqual(["high", "high", "high", "low", "high", "high", "high", "low"]);
  });
});

describe("jobCatalog", () => {
  const summary = defineJob({
    type: "plan.summary",
    handler: async (ctx) => ({ plan_id: ctx.payload.planId, provider: "t", fallback: false }),
  });
  const exportJob = defineJob({
    type: "plan.export",
    handler: async () => {
      throw new Error("unused");
    },
  });
  const ingest = defineJob({
    type: "material.ingest",
    handler: async (ctx) => ({ document_id: ctx.payload.documentId, chunk_count: 0 }),
  });

  it("takes the worker's queue from the registry entries of its definitions", () => {
    const catalog = jobCatalog([summary, exportJob]);
    expect(catalog.queue).toBe("ai_generation");
    expect(catalog.get("plan.summary")).toBe(summary);
    expect(catalog.get("plan.generate")).toBeUndefined();
    expect(catalog.get("no.such.type")).toBeUndefined();
  });

  it("refuses at build time a definition on another queue, a type defined twice, or no definition at all", () => {
    expect(() => jobCatalog([summary, ingest])).toThrow(/material\.ingest" runs on queue ingest/);
    expect(() => jobCatalog([summary, summary])).toThrow(/"plan\.summary" is defined twice/);
    expect(() => jobCatalog([])).toThrow(/at least one/);
  });
});

describe("worker heartbeats", () => {
  it("go out every second at the default ack_wait, so a live worker rides out a 7 s stall and a dead one's job returns within 8 s", () => {
    expect(WORKER_ACK_WAIT_MS).toBe(8_000);
    expect(heartbeatIntervalMs(WORKER_ACK_WAIT_MS)).toBe(1_000);
    expect(WORKER_ACK_WAIT_MS - heartbeatIntervalMs(WORKER_ACK_WAIT_MS)).toBeGreaterThanOrEqual(5_000);
  });

  it("go out at least three times per ack_wait when it is short", () => {
    expect(heartbeatIntervalMs(1_500)).toBe(500);
    expect(heartbeatIntervalMs(60_000)).toBe(1_000);
  });
});

describe("CancelFlags", () => {
  it("forgets a flag once it is older than the bucket's TTL, as the server does", () => {
    let now = 1_000;
    const flags = new CancelFlags(100, () => now);
    flags.set("A", 1_000);
    flags.set("B", 1_050);
    expect(flags.has("A")).toBe(true);
    now = 1_100;
    expect(flags.has("A")).toBe(false);
    expect(flags.has("B")).toBe(true);
    // A new flag also drops the expired ones at the head, so the copy never outgrows the bucket.
    now = 1_200;
    flags.set("C", 1_200);
    expect(flags.size).toBe(1);
    flags.delete("C");
    expect(flags.has("C")).toBe(false);
  });

  it("keeps flags for good when the bucket has no TTL", () => {
    const flags = new CancelFlags(0, () => Number.MAX_SAFE_INTEGER);
    flags.set("A", 0);
    expect(flags.has("A")).toBe(true);
  });
});

describe("backoffDelayMs", () => {
  const policy = { baseMs: 1_000, maxMs: 10_000 };
  it("grows exponentially up to the cap, with full jitter below it", () => {
    expect(backoffDelayMs(policy, 1, () => 0.999)).toBe(999);
    expect(backoffDelayMs(policy, 3, () => 0.999)).toBe(3_996);
    expect(backoffDelayMs(policy, 10, () => 0.999)).toBe(9_990);
    expect(backoffDelayMs(policy, 5, () => 0)).toBe(0);
  });
});

describe("AuthTokens", () => {
  it("maps bearer tokens to tenants and roles, the legacy user role to owner", () => {
    const tokens = AuthTokens.parse("dev-token:demo:admin, other:acme:user, v:acme:viewer");
    expect(tokens.get("dev-token")).toMatchObject({ tenantId: "demo", role: "admin" });
    expect(tokens.get("other")).toMatchObject({ tenantId: "acme", role: "owner" });
    expect(tokens.get("v")?.role).toBe("viewer");
  });

  it("never derives a user id that reveals the token", () => {
    const tokens = AuthTokens.parse("supersecret:demo:user");
    expect(tokens.get("supersecret")?.userId).not.toContain("supers");
  });

  it("rejects tenant ids that are unsafe as subject tokens", () => {
    expect(AuthTokens.safeParse("tok:bad.tenant:user").success).toBe(false);
    expect(AuthTokens.safeParse("tok:demo:root").success).toBe(false);
  });
});

describe("authentication settings", () => {
  const secret = "s".repeat(32);
  it("refuse to boot with no way to authenticate, or one secret for bearer and stream tokens", () => {
    expect(() => createAuthenticator(loadConfig(authConfigShape, {}))).toThrow(ConfigError);
    const same = loadConfig(authConfigShape, { AUTH_JWT_SECRET: secret, STREAM_TOKEN_SECRET: secret });
    expect(() => createAuthenticator(same)).toThrow(/must differ/);
    expect(() => loadConfig(authConfigShape, { AUTH_JWT_SECRET: "short" })).toThrow(ConfigError);
    expect(createAuthenticator(loadConfig(authConfigShape, { AUTH_JWT_SECRET: secret }))).toBeDefined();
  });
});

describe("loadConfig", () => {
  it("freezes the parsed config and explains what is wrong", () => {
    const config = loadConfig(baseConfigShape, { MONGO_DB: "x" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.NATS_URL).toBe("nats://127.0.0.1:4222");
    expect(() => loadConfig(baseConfigShape, { LOG_LEVEL: "loud" })).toThrow(ConfigError);
  });
});
