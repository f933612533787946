import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createStreamTokens } from "@ai-jobs/runtime";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, planBody, problemOf, startHarness } from "../../test/harness.js";

const STREAM_SECRET = "gateway-stream-secret-of-32-bytes-at-least";
const h = useHarness(() => startHarness());
let app: FastifyInstance;
let upstream: http.Server;
const forwarded: string[] = [];

beforeAll(async () => {
  // A stand-in for the events service: records the URLs it is asked for and answers 204 (nothing to stream).
  upstream = http.createServer((req, res) => {
    forwarded.push(req.url ?? "");
    // As the events service answers a job it does not know: a problem, which the proxy passes on as it is.
    res
      .writeHead(404, { "content-type": "application/problem+json" })
      .end(
        JSON.stringify({ type: "urn:ai-jobs:problem:not-found", title: "Not Found", status: 404, code: "NOT_FOUND" }),
      );
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  const eventsUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  app = await h.app({ STREAM_TOKEN_SECRET: STREAM_SECRET, STREAM_TOKEN_TTL_S: "120", EVENTS_URL: eventsUrl });
}, 120_000);

afterAll(async () => {
  upstream?.closeAllConnections();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
});

async function mint(body: object, headers: Record<string, string> = auth) {
  return app.inject({ method: "POST", url: "/api/ai/jobs/stream-token/", headers, payload: body });
}

describe("POST /api/ai/jobs/stream-token/", () => {
  it("mints a short-lived token scoped to the caller's tenant, user and jobs", async () => {
    const res = await mint({ job_ids: ["01JA", "01JB", "01JA"] });
    expect(res.statusCode).toBe(201);
    expect(res.headers["cache-control"]).toBe("no-store");
    const { token, expires_at } = res.json<{ token: string; expires_at: string }>();
    const ttl = Date.parse(expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(100_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    const principal = await createStreamTokens(STREAM_SECRET, 120).verify(token);
    expect(principal).toMatchObject({
      tenantId: "acme",
      role: "admin",
      streamScope: { all: false, jobIds: ["01JA", "01JB"] },
    });
  });

  it("needs a caller and a valid scope", async () => {
    expect((await mint({ all: true }, {})).statusCode).toBe(401);
    for (const body of [{}, { job_ids: [] }, { all: false }, { job_ids: ["a.b"] }, { all: true, job_ids: ["x"] }]) {
      const res = await mint(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(problemOf(res).code).toBe("VALIDATION_FAILED");
    }
  });

  it("is refused by every route but the stream, as a bearer token and as ?token=, and nothing is written", async () => {
    const { token } = (await mint({ all: true })).json<{ token: string }>();
    const before = await h.counts();
    const routes = [
      { method: "GET", url: "/api/ai/jobs/" },
      { method: "GET", url: "/api/ai/jobs/01JA/" },
      { method: "GET", url: "/api/ai/schedules/" },
      { method: "POST", url: "/api/ai/study-plans/generate/", payload: planBody() },
      { method: "POST", url: "/api/ai/jobs/stream-token/", payload: { all: true } },
    ] as const;
    for (const route of routes) {
      const asBearer = await app.inject({ ...route, headers: { authorization: `Bearer ${token}` } });
      expect(asBearer.statusCode, `bearer ${route.url}`).toBe(401);
      const asQuery = await app.inject({ ...route, url: `${route.url}?token=${token}` });
      expect(asQuery.statusCode, `query ${route.url}`).toBe(401);
    }
    expect(await h.counts()).toEqual(before);
  });

  it("opens the SSE stream: a valid ?token= is forwarded to the events service, a bad one is a 401 here", async () => {
    const { token } = (await mint({ job_ids: ["01JA"] })).json<{ token: string }>();
    const ok = await app.inject({ method: "GET", url: `/api/ai/jobs/stream/?job_id=01JA&token=${token}` });
    expect(ok.statusCode).toBe(404);
    expect(forwarded.at(-1)).toBe(`/api/ai/jobs/stream/?job_id=01JA&token=${token}`);

    const count = forwarded.length;
    const expired = await createStreamTokens(STREAM_SECRET, 60, () => new Date(Date.now() - 120_000)).mint(
      { tenantId: "acme", userId: "u", role: "owner" },
      { all: true },
    );
    for (const bad of [expired.token, "garbage"]) {
      const res = await app.inject({ method: "GET", url: `/api/ai/jobs/stream/?all=1&token=${bad}` });
      expect(res.statusCode).toBe(401);
      expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
    }
    expect(forwarded.length).toBe(count);
  });
});
