import { STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { outboxEntryOf } from "@ai-jobs/runtime";
import { readSse, type StartedService, waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { ev, startHarness, TOKENS } from "./testing/harness.js";

const h = useHarness(() => startHarness());
let svc: StartedService | undefined;
let base: string;

beforeAll(async () => {
  svc = await h.spawn("events", {
    env: {
      AUTH_TOKENS: `${TOKENS.acme}:acme:admin`,
      SSE_KEEPALIVE_MS: "1000",
      RECONCILE_INTERVAL_MS: "200",
      RECONCILE_GRACE_MS: "0",
    },
  });
  base = svc.url;
});

describe("events service process", () => {
  it("publishes a job the outbox held, and projects its record from the queued event", async () => {
    const job = h.jobRecord({ tenantId: "main1", dispatchedAt: null, payload: { topic: "held" } });
    await h.outbox.hold(outboxEntryOf(job, {}, new Date(Date.now() - 1_000)));
    const record = await waitFor(
      async () => (await h.ctx.mongo.collections.jobs.findOne({ _id: job._id })) ?? undefined,
      {
        what: "the reconciler to publish the job and the projector to store its record",
      },
    );
    expect(record).toMatchObject({ status: "queued", userId: job.userId, payload: { topic: "held" } });
    expect(record.dispatchedAt).toBeInstanceOf(Date);
    expect(await h.outbox.get(job._id)).toBeNull();
    expect(await h.countOn(STREAMS.jobs, SUBJECTS.job(job.queue, job.priority, "main1"))).toBe(1);
    expect(await h.countOn(STREAMS.events, SUBJECTS.event("main1", job._id, "queued"))).toBe(1);
  });

  it("projects events, streams them, and on SIGTERM ends open streams, stops and exits 0", async () => {
    const job = await h.insertJob();
    const s1 = await h.publishEvent(ev.started(job));
    await waitFor(async () => (await h.ctx.mongo.collections.jobs.findOne({ _id: job._id }))?.seq === s1, {
      what: "the service to project the started event",
    });

    const res = await fetch(`${base}/api/ai/jobs/stream/?job_id=${job._id}`, {
      headers: { authorization: `Bearer ${TOKENS.acme}` },
    });
    expect(res.status).toBe(200);
    const reading = readSse(res, { timeoutMs: 20_000 });
    // Let the replayed event reach the client before the shutdown.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const exit = svc?.kill("SIGTERM");
    const read = await reading;
    expect(read.ended).toBe(true);
    expect(read.messages.map((m) => [m.id, m.event])).toEqual([[String(s1), "meta"]]);
    expect(await exit).toBe(0);
    // Every module stopped, in order: the publishers first, the projector last.
    const stops = ["reconciler", "delayed-forwarder", "max-deliveries", "dead-letter-indexer", "projector"].map(
      (name) => svc?.logs().findIndex((line) => line.includes(`"${name} stopped"`)),
    );
    expect(stops.every((i) => i !== undefined && i >= 0)).toBe(true);
    expect([...(stops as number[])].sort((a, b) => a - b)).toEqual(stops);
  });
});
