/**
 * The gateway process as an operator runs it: what its public port gives away without a token (probes only), what
 * its internal listener serves (metrics, the health report), its security headers and its CORS policy.
 */
import { HealthView } from "@ai-jobs/contracts";
import { corsPreflight, startServiceHarness } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";

const ADMIN = { authorization: "Bearer ops-admin" };
const USER = { authorization: "Bearer ops-user" };
const ALLOWED_ORIGIN = "https://app.example.com";

const h = useHarness(() => startServiceHarness({ service: "gateway" }));
let publicUrl: string;
let internalUrl: string;

beforeAll(async () => {
  const gateway = await h.spawn("gateway", {
    env: { AUTH_TOKENS: "ops-admin:acme:admin,ops-user:acme:user", CORS_ORIGINS: ALLOWED_ORIGIN, LOG_LEVEL: "warn" },
  });
  publicUrl = gateway.url;
  internalUrl = gateway.internalUrl;
});

describe("the gateway's public port", () => {
  it("has no /metrics", async () => {
    expect((await fetch(`${publicUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${publicUrl}/metrics`, { headers: ADMIN })).status).toBe(404);
  });

  it("serves the health report with queue depths to admins only", async () => {
    expect((await fetch(`${publicUrl}/api/ai/health/`)).status).toBe(401);
    expect((await fetch(`${publicUrl}/api/ai/health/`, { headers: USER })).status).toBe(403);
    const admin = await fetch(`${publicUrl}/api/ai/health/`, { headers: ADMIN });
    expect(admin.status).toBe(200);
    expect(HealthView.parse(await admin.json()).queues.length).toBeGreaterThan(0);
  });

  it("answers the probes without a token, and says ready or not and nothing more", async () => {
    expect(await (await fetch(`${publicUrl}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${publicUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("sends security headers for a JSON API, and no HSTS by default (plain http)", async () => {
    const res = await fetch(`${publicUrl}/api/ai/jobs/`, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("strict-transport-security")).toBeNull();
    // A refusal carries them too.
    expect((await fetch(`${publicUrl}/api/ai/jobs/`)).headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("serves the dashboard's page without a token, under a document CSP of its own origin only", async () => {
    // 200 once `npm run build` has built it, else a 404 that says so: either way public, and a document's policy.
    const res = await fetch(`${publicUrl}/dashboard/`);
    expect([200, 404]).toContain(res.status);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe|https?:/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("answers a CORS preflight for a configured origin with the API's headers, and not for another", async () => {
    const preflight = (origin: string) =>
      corsPreflight(`${publicUrl}/api/ai/study-plans/generate/`, origin, {
        method: "POST",
        headers: "authorization,content-type,idempotency-key",
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    const allowedHeaders = allowed.headers.get("access-control-allow-headers")?.split(/,\s*/) ?? [];
    expect(allowedHeaders).toEqual(expect.arrayContaining(["authorization", "idempotency-key", "last-event-id"]));
    expect(allowed.headers.get("access-control-allow-methods")).toContain("POST");

    const other = await preflight("https://evil.example.net");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();

    const read = await fetch(`${publicUrl}/api/ai/jobs/`, { headers: { ...ADMIN, origin: ALLOWED_ORIGIN } });
    expect(read.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(read.headers.get("access-control-expose-headers")).toContain("retry-after");
  });
});

describe("the gateway's internal listener", () => {
  it("serves /metrics without a token", async () => {
    const res = await fetch(`${internalUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("aijobs_http_requests_total");
  });

  it("serves the health report with dependencies and queue depths, and bare probes", async () => {
    const res = await fetch(`${internalUrl}/health`);
    expect(res.status).toBe(200);
    const view = HealthView.parse(await res.json());
    expect(view).toMatchObject({ status: "ok", nats: { ok: true }, mongo: { ok: true } });
    expect(view.queues.length).toBeGreaterThan(0);
    expect(await (await fetch(`${internalUrl}/readyz`)).json()).toEqual({ status: "ready" });
  });
});
