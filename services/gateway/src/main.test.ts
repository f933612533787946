import { GeneratePlanResponse } from "@ai-jobs/contracts";
import { type StartedService, startServiceHarness } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, planBody } from "../test/harness.js";

// NATS with the generated authorization: the gateway connects as its own user.
const h = useHarness(() => startServiceHarness({ service: "gateway", nats: { auth: true } }));
let gateway: StartedService | undefined;
let url: string;
const JWT_SECRET = "jwt-secret-never-logged-0123456789abcdef";
const STREAM_SECRET = "stream-secret-never-logged-0123456789abc";

beforeAll(async () => {
  gateway = await h.spawn("gateway", {
    env: { AUTH_TOKENS: "t1:acme:admin", AUTH_JWT_SECRET: JWT_SECRET, STREAM_TOKEN_SECRET: STREAM_SECRET },
  });
  url = gateway.url;
});

describe("the gateway process", () => {
  it("boots, accepts a plan over HTTP, logs JSON with the request id, and exits 0 on SIGTERM", async () => {
    const res = await fetch(`${url}/api/ai/study-plans/generate/`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "x-request-id": "req-main-test" },
      body: JSON.stringify(planBody()),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get("x-request-id")).toBe("req-main-test");
    GeneratePlanResponse.parse(await res.json());

    const line = await gateway?.waitForLog((l) => l.includes('"reqId":"req-main-test"'));
    expect(JSON.parse(line ?? "{}")).toMatchObject({ service: "gateway", reqId: "req-main-test" });
    expect(gateway?.logs().join("\n")).not.toContain("t1:acme");
    const seed = h.nats.auth?.users.gateway.seed ?? "";
    expect(seed).toMatch(/^SU/);
    expect(gateway?.logs().join("\n")).not.toContain(seed);
    expect(h.nats.violations(), "NATS permission violations").toEqual([]);

    // A stream token in the query string is not in the access log, nor are the secrets.
    const streamed = await fetch(`${url}/api/ai/jobs/stream/?job_id=x&token=tok-in-query-must-not-be-logged`);
    expect(streamed.status).toBe(401);
    await gateway?.waitForLog((l) => l.includes("/api/ai/jobs/stream/?job_id=x&token=[redacted]"));
    const logs = gateway?.logs().join("\n") ?? "";
    for (const secret of ["tok-in-query", JWT_SECRET, STREAM_SECRET]) expect(logs).not.toContain(secret);

    expect(await gateway?.kill("SIGTERM")).toBe(0);
    gateway = undefined;
  });
});
