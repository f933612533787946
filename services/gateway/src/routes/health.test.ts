import { HealthView, PRIORITIES, QUEUES } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, planBody, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const get = (url: string, on: FastifyInstance = app) => on.inject({ method: "GET", url, headers: auth });
/** Probes come with no token. */
const probe = (url: string, on: FastifyInstance = app) => on.inject({ method: "GET", url });
const submit = () =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers: auth, payload: planBody() });
const backlogOf = (view: HealthView) =>
  view.queues.find((q) => q.queue === "ai_generation" && q.priority === "normal")?.backlog;

describe("health endpoints (probes need no token; the report needs an admin)", () => {
  it("/healthz answers 200 while the process runs", async () => {
    expect((await probe("/healthz")).statusCode).toBe(200);
  });

  it("/readyz answers 200 when NATS and MongoDB answer, and tells nothing more", async () => {
    const res = await probe("/readyz/");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ready" });
  });

  it("/api/ai/health/ reports both dependencies and every queue's backlog and in-flight count, read at most every 2 s", async () => {
    expect((await submit()).statusCode).toBe(202);
    const first = HealthView.parse((await get("/api/ai/health/")).json());
    expect(first).toMatchObject({ status: "ok", nats: { ok: true }, mongo: { ok: true } });
    expect(first.queues).toHaveLength(QUEUES.length * PRIORITIES.length);
    expect(first.queues.every((q) => q.in_flight === 0)).toBe(true);
    expect(backlogOf(first)).toBe(1);

    expect((await submit()).statusCode).toBe(202);
    expect(backlogOf(HealthView.parse((await get("/api/ai/health")).json()))).toBe(1);
    await waitFor(async () => backlogOf(HealthView.parse((await get("/api/ai/health")).json())) === 2, {
      what: "the health report to be taken again",
      timeoutMs: 5_000,
      intervalMs: 250,
    });
  });

  it("/readyz answers 503 once shutdown began", async () => {
    const closing = await h.app();
    closing.lifecycle.draining = true;
    const res = await probe("/readyz", closing);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: "not_ready" });
  });

  it("/readyz and /api/ai/health/ answer 503 while NATS is unreachable, and 200 again after", async () => {
    const fresh = await h.app(); // no cached health report
    await h.nats.stop();
    try {
      const ready = await probe("/readyz", fresh);
      expect(ready.statusCode).toBe(503);
      // The reason is in the admin report, not in the probe.
      expect(ready.json()).toEqual({ status: "not_ready" });
      const health = await get("/api/ai/health/", fresh);
      expect(health.statusCode).toBe(503);
      expect(HealthView.parse(health.json())).toMatchObject({ status: "degraded", nats: { ok: false } });
      expect((await probe("/healthz", fresh)).statusCode).toBe(200);
    } finally {
      await h.nats.restart();
    }
    await waitFor(async () => (await probe("/readyz", fresh)).statusCode === 200, {
      what: "readyz to recover",
      timeoutMs: 20_000,
      intervalMs: 200,
    });
  });
});
