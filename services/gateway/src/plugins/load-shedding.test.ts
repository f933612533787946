import http from "node:http";
import type { AddressInfo } from "node:net";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import { auth, planBody, problemOf, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());

/** A POST whose body is sent only when `finish()` is called: it stays in progress until then. */
function slowPost(base: string): { finish(): Promise<number> } {
  const body = JSON.stringify(planBody());
  const req = http.request(`${base}/api/ai/study-plans/generate/`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
  });
  req.write(body.slice(0, 10));
  return {
    finish() {
      req.end(body.slice(10));
      return answered;
    },
  };
}

async function listening(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe("load shedding", () => {
  it("past SHED_MAX_IN_FLIGHT requests in progress, answers 503 with Retry-After at once; health is still served", async () => {
    const app = await h.app({ SHED_MAX_IN_FLIGHT: "2", SHED_EVENT_LOOP_DELAY_MS: "0" });
    const base = await listening(app);
    const slow = [slowPost(base), slowPost(base)];
    // Both slow requests are in progress once the server has read their headers.
    await new Promise((r) => setTimeout(r, 200));

    const startedAt = performance.now();
    const refused = await fetch(`${base}/api/ai/jobs/`, { headers: auth });
    expect(performance.now() - startedAt).toBeLessThan(500);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(await refused.json()).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    expect(await Promise.all(slow.map((s) => s.finish()))).toEqual([202, 202]);
    // Capacity is back once they are answered.
    expect((await fetch(`${base}/api/ai/jobs/`, { headers: auth })).status).toBe(200);
  });

  it("while the event loop lags past SHED_EVENT_LOOP_DELAY_MS, answers 503 with Retry-After", async () => {
    const app = await h.app({ SHED_EVENT_LOOP_DELAY_MS: "20" });
    // Block the event loop (the app runs in this process): the next sample's mean delay jumps, for one sample.
    const until = Date.now() + 800;
    while (Date.now() < until) {
      // busy
    }
    // The overdue sampler runs first; the request comes within the ~100 ms its reading stands.
    await new Promise((r) => setTimeout(r, 10));
    const res = await app.inject({ method: "GET", url: "/api/ai/jobs/", headers: auth });
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(problemOf(res).code).toBe("SERVICE_UNAVAILABLE");
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
  });
});
