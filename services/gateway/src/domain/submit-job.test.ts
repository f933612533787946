import { GeneratePlanResponse, Problem } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, planBody, startHarness } from "../../test/harness.js";

const QUEUE_LIMIT = 3;

// A tiny JOBS stream, so the "full queue" case is cheap to reach. No worker pulls from it in this file.
const h = useHarness(() => startHarness({ JOBS_MAX_MSGS: String(QUEUE_LIMIT) }));
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const submit = () =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers: auth, payload: planBody() });

describe("submitting a job", () => {
  it("when the JOBS stream is full, answers 503 with Retry-After, takes the draft back and closes the job", async () => {
    for (let i = 0; i < QUEUE_LIMIT; i++) expect((await submit()).statusCode).toBe(202);
    const before = await h.counts();
    expect(before.jobsStream).toBe(QUEUE_LIMIT);

    const res = await submit();
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect(Problem.parse(res.json()).code).toBe("SERVICE_UNAVAILABLE");
    // The `queued` event goes out with the command (so it always precedes `started`); for a refused job it is
    // followed by a `failed` event (QUEUE_FULL) that closes the record it opens. Everything else is taken back.
    const after = await h.counts();
    expect({ ...after, eventsStream: before.eventsStream }).toEqual(before);
    expect(after.eventsStream).toBe(before.eventsStream + 2);
  });

  it("when NATS is unreachable, answers 202 at once: the outbox holds the job for the reconciler", async () => {
    await h.ctx.nats.jsm.streams.purge("JOBS");
    await h.nats.stop();
    try {
      await waitFor(() => !h.ctx.nats.connected(), { what: "the client to notice the outage" });
      const startedAt = performance.now();
      const res = await submit();
      const ms = Math.round(performance.now() - startedAt);
      console.info(`submit during a NATS outage answered ${res.statusCode} in ${ms} ms`);
      expect(res.statusCode).toBe(202);
      // Loose on purpose: the point is that no publish waits out its 5 s ack timeout.
      expect(ms).toBeLessThan(4_000);
      const body = GeneratePlanResponse.parse(res.json());
      const c = h.ctx.mongo.collections;
      expect(await c.plans.findOne({ _id: body.id })).toMatchObject({
        generationStatus: "pending",
        jobId: body.job_id,
      });
      expect(await c.jobOutbox.findOne({ _id: body.job_id })).toMatchObject({ jobId: body.job_id, retry: 0 });
      // Readable at once, from the outbox.
      expect(await h.readJob(body.job_id)).toMatchObject({ status: "queued", dispatchedAt: null });
    } finally {
      await h.nats.restart();
    }
    await waitFor(async () => h.ctx.nats.connected() && (await h.ctx.nats.nc.flush().then(() => true)), {
      what: "the NATS connection to come back",
      timeoutMs: 20_000,
    });
  });
});
