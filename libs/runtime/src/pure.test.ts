import type { Priority } from "@ai-jobs/contracts";
import { describe, expect, it } from "vitest";
import { AuthTokens, authenticate } from "./auth.js";
import { backoffDelayMs } from "./backoff.js";
import { baseConfigShape, ConfigError, loadConfig } from "./config.js";
import { PriorityPicker } from "./worker/priority-picker.js";

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
  it("maps bearer tokens to tenants and roles", () => {
    const tokens = AuthTokens.parse("dev-token:demo:admin, other:acme:user");
    expect(authenticate(tokens, "Bearer dev-token")).toMatchObject({ tenantId: "demo", role: "admin" });
    expect(authenticate(tokens, "bearer other")?.tenantId).toBe("acme");
    expect(authenticate(tokens, "Bearer nope")).toBeUndefined();
    expect(authenticate(tokens, undefined)).toBeUndefined();
  });

  it("never derives a user id that reveals the token", () => {
    const tokens = AuthTokens.parse("supersecret:demo:user");
    expect(authenticate(tokens, "Bearer supersecret")?.userId).not.toContain("supers");
  });

  it("rejects tenant ids that are unsafe as subject tokens", () => {
    expect(AuthTokens.safeParse("tok:bad.tenant:user").success).toBe(false);
    expect(AuthTokens.safeParse("tok:demo:root").success).toBe(false);
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
