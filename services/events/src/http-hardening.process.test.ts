/**
 * The events process as an operator runs it: probes only on its public port, metrics and dependency errors on its
 * internal listener, security headers (SSE streams too) and its CORS policy.
 */

import { corsPreflight } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { startHarness, TOKENS } from "./testing/harness.js";

const ALLOWED_ORIGIN = "https://app.example.com";
const HSTS_MAX_AGE_S = 31_536_000;

const h = useHarness(() => startHarness());
let publicUrl: string;
let internalUrl: string;

beforeAll(async () => {
  const svc = await h.spawn("events", {
    env: {
      AUTH_TOKENS: `${TOKENS.acme}:acme:admin`,
      LOG_LEVEL: "warn",
      CORS_ORIGINS: ALLOWED_ORIGIN,
      HSTS_MAX_AGE_S: String(HSTS_MAX_AGE_S),
    },
  });
  publicUrl = svc.url;
  internalUrl = svc.internalUrl;
});

describe("the events service's public port", () => {
  it("has no /metrics, and its readiness probe says ready and nothing more", async () => {
    expect((await fetch(`${publicUrl}/metrics`)).status).toBe(404);
    const ready = await fetch(`${publicUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("sends security headers, HSTS as configured, on problems and on SSE streams", async () => {
    const refused = await fetch(`${publicUrl}/api/ai/jobs/stream/?job_id=x`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
    expect(refused.headers.get("strict-transport-security")).toBe(`max-age=${HSTS_MAX_AGE_S}; includeSubDomains`);

    const abort = new AbortController();
    const stream = await fetch(`${publicUrl}/api/ai/jobs/stream/?all=1`, {
      headers: { authorization: `Bearer ${TOKENS.acme}`, origin: ALLOWED_ORIGIN },
      signal: abort.signal,
    });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toBe("text/event-stream");
      expect(stream.headers.get("x-content-type-options")).toBe("nosniff");
      expect(stream.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    } finally {
      abort.abort();
    }
  });

  it("answers a CORS preflight for a configured origin (Last-Event-ID allowed), and not for another", async () => {
    const preflight = (origin: string) =>
      corsPreflight(`${publicUrl}/api/ai/jobs/stream/`, origin, {
        method: "GET",
        headers: "authorization,last-event-id",
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get("access-control-allow-headers")).toContain("last-event-id");
    expect((await preflight("https://evil.example.net")).headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("the events service's internal listener", () => {
  it("serves /metrics and the dependency report without a token", async () => {
    const metrics = await fetch(`${internalUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("aijobs_sse_clients");
    const health = await fetch(`${internalUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ready",
      draining: false,
      checks: { nats: { ok: true }, mongo: { ok: true } },
    });
  });
});
