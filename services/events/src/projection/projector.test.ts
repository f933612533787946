import { CONSUMERS, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobProjectionRepository } from "../data/job-projection.js";
import { ev, startHarness } from "../testing/harness.js";
import { applyEvents } from "./apply-events.js";
import { createProjector, type Projector } from "./projector.js";

const h = useHarness(() => startHarness());
let projector: Projector;

/** The projector's warnings, to see that it really met the outage. */
const warnings: string[] = [];
const log = pino({ level: "warn" }, { write: (line: string) => warnings.push(line) });

const newProjector = () =>
  createProjector({
    nats: h.ctx.nats,
    messaging: h.ctx.messaging,
    projection: createJobProjectionRepository(h.ctx.mongo.collections),
    log,
    batchSize: h.config.PROJECTOR_BATCH_SIZE,
  });

const job = (id: string) => h.ctx.mongo.collections.jobs.findOne({ _id: id });
const eventsOf = (jobId: string) => h.ctx.mongo.collections.jobEvents.find({ jobId }).sort({ _id: 1 }).toArray();
const projectorInfo = () => h.ctx.nats.jsm.consumers.info(STREAMS.events, CONSUMERS.projector);

/** Waits until the projector has been handed and has acked every message published so far. */
async function projectorIdle(timeoutMs = 15_000): Promise<void> {
  const { state } = await h.ctx.nats.jsm.streams.info(STREAMS.events);
  await waitFor(
    async () => {
      const info = await projectorInfo();
      return info.delivered.stream_seq >= state.last_seq && info.num_ack_pending === 0 && info.num_pending === 0;
    },
    { what: "the projector to ack everything", timeoutMs },
  );
}

beforeAll(async () => {
  projector = newProjector();
  await projector.start();
});

afterAll(async () => {
  await projector?.stop();
});

describe("projector", () => {
  it("started → progress → succeeded leaves the job succeeded with its result, progress 100 and the last sequence", async () => {
    const rec = await h.insertJob();
    const s1 = await h.publishEvent(ev.started(rec));
    const s2 = await h.publishEvent(ev.progress(rec, { pct: 40, step: "outline", message: "drafting the outline" }), 1);
    const s3 = await h.publishEvent(ev.succeeded(rec, { plan_id: "plan_1" }));

    const done = await waitFor(async () => {
      const j = await job(rec._id);
      return j?.seq === s3 ? j : undefined;
    });
    expect(done).toMatchObject({
      status: "succeeded",
      attempt: 1,
      progress: { pct: 100, step: "outline", message: "drafting the outline" },
      resultRefs: { plan_id: "plan_1" },
      lastError: null,
      seq: s3,
    });
    expect(done.startedAt).toBeInstanceOf(Date);
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect((await eventsOf(rec._id)).map((e) => [e._id, e.kind])).toEqual([
      [s1, "started"],
      [s2, "progress"],
      [s3, "succeeded"],
    ]);
  });

  it("progress, retrying and failed are projected in turn, and the failure keeps its error", async () => {
    const rec = await h.insertJob();
    await h.publishEvent(ev.started(rec));
    const s2 = await h.publishEvent(ev.retrying(rec, "upstream 503"));
    await waitFor(async () => (await job(rec._id))?.seq === s2);
    expect(await job(rec._id)).toMatchObject({
      status: "retrying",
      lastError: { code: "UPSTREAM_UNAVAILABLE", message: "upstream 503" },
    });
    await h.publishEvent(ev.started(rec, 2));
    await h.publishEvent(ev.progress(rec, { pct: 10, message: "again" }, 2), 1);
    const s5 = await h.publishEvent(ev.failed(rec, "model refused", 2));
    const failed = await waitFor(async () => {
      const j = await job(rec._id);
      return j?.seq === s5 ? j : undefined;
    });
    expect(failed).toMatchObject({
      status: "failed",
      attempt: 2,
      progress: { pct: 10, message: "again" },
      lastError: { code: "HANDLER_FAILED", message: "model refused" },
      resultRefs: null,
    });
    expect(failed.finishedAt).toBeInstanceOf(Date);
  });

  it("when the whole stream is redelivered, the job records and job_events do not change", async () => {
    const rec = await h.insertJob();
    await h.publishEvent(ev.started(rec));
    await h.publishEvent(ev.progress(rec, { pct: 50, message: "half way" }), 1);
    const last = await h.publishEvent(ev.succeeded(rec, { plan_id: "plan_2" }));
    await waitFor(async () => (await job(rec._id))?.seq === last);
    await projectorIdle();
    const jobsBefore = await h.ctx.mongo.collections.jobs.find().sort({ _id: 1 }).toArray();
    const eventsBefore = await h.ctx.mongo.collections.jobEvents.find().sort({ _id: 1 }).toArray();

    // A fresh durable consumer delivers every event of the stream again, as after losing all acks.
    await projector.stop();
    await h.ctx.nats.jsm.consumers.delete(STREAMS.events, CONSUMERS.projector);
    projector = newProjector();
    await projector.start();
    await projectorIdle();

    expect(await h.ctx.mongo.collections.jobs.find().sort({ _id: 1 }).toArray()).toEqual(jobsBefore);
    expect(await h.ctx.mongo.collections.jobEvents.find().sort({ _id: 1 }).toArray()).toEqual(eventsBefore);
    // The same batch applied again by hand is a no-op as well.
    const replay = eventsBefore
      .filter((e) => e.jobId === rec._id)
      .map((e) => ({
        seq: e._id,
        event: e.kind === "succeeded" ? ev.succeeded(rec, { plan_id: "plan_2" }) : ev.started(rec),
      }));
    expect(await applyEvents(createJobProjectionRepository(h.ctx.mongo.collections), replay)).toBe(0);
    expect(await eventsOf(rec._id)).toHaveLength(3);
  });

  it("an older event applied after a newer one does not move the job back", async () => {
    const rec = await h.insertJob();
    await h.publishEvent(ev.started(rec));
    const s2 = await h.publishEvent(ev.progress(rec, { pct: 60, step: "days", message: "writing day 3" }), 1);
    await waitFor(async () => (await job(rec._id))?.seq === s2);

    // A redelivery of an earlier event (lower sequence) arrives late.
    const changed = await applyEvents(createJobProjectionRepository(h.ctx.mongo.collections), [
      { seq: s2 - 1, event: ev.progress(rec, { pct: 5, step: "start", message: "old" }) },
    ]);
    expect(changed).toBe(0);
    expect(await job(rec._id)).toMatchObject({ status: "running", seq: s2, progress: { pct: 60, step: "days" } });
  });

  it("events of one job written out of order (two replicas, or a redelivery) still converge to the right record", async () => {
    const c = createJobProjectionRepository(h.ctx.mongo.collections);
    // Sequences far above the real stream's, so these hand-made events never collide with published ones.
    const rec = await h.insertJob();
    const started = { seq: 1_000_101, event: ev.started(rec) };
    const progress = { seq: 1_000_102, event: ev.progress(rec, { pct: 25, step: "outline", message: "outlining" }) };
    const log = { seq: 1_000_103, event: ev.log(rec, "a log line") };
    const failed = { seq: 1_000_104, event: ev.failed(rec, "model refused") };

    // The later events land first; the earlier `started` and the terminal `failed` must not be lost.
    await applyEvents(c, [log]);
    await applyEvents(c, [progress]);
    expect(await job(rec._id)).toMatchObject({ status: "queued", seq: 1_000_103, progress: { pct: 25 } });
    await applyEvents(c, [started]);
    expect(await job(rec._id)).toMatchObject({ status: "running", attempt: 1, seq: 1_000_103, progress: { pct: 25 } });
    await applyEvents(c, [failed]);
    await applyEvents(c, [started, progress, log]);
    expect(await job(rec._id)).toMatchObject({
      status: "failed",
      seq: 1_000_104,
      progress: { pct: 25, step: "outline" },
      lastError: { code: "HANDLER_FAILED", message: "model refused" },
    });
  });

  it("a terminal job stays terminal when a stale worker publishes after it", async () => {
    const rec = await h.insertJob();
    await h.publishEvent(ev.started(rec));
    const s2 = await h.publishEvent(ev.cancelled(rec));
    await waitFor(async () => (await job(rec._id))?.seq === s2);

    await h.publishEvent(ev.started(rec, 2));
    await h.publishEvent(ev.progress(rec, { pct: 99, message: "zombie" }, 2), 1);
    await h.publishEvent(ev.succeeded(rec, { plan_id: "late" }, 2));
    await projectorIdle();

    expect(await job(rec._id)).toMatchObject({ status: "cancelled", seq: s2, resultRefs: null, attempt: 1 });
    // The late events are still kept in the history.
    expect(await eventsOf(rec._id)).toHaveLength(5);
  });

  it("an event of another tenant's subject never touches the job", async () => {
    const rec = await h.insertJob({ tenantId: "acme" });
    const forged = await h.publishEvent(ev.succeeded({ _id: rec._id, tenantId: "globex" }, { plan_id: "forged" }));
    await projectorIdle();
    expect(await job(rec._id)).toMatchObject({ status: "queued", seq: 0 });
    expect(forged).toBeGreaterThan(0);
  });

  it("an invalid message is skipped and acked, and never blocks the events after it", async () => {
    const rec = await h.insertJob();
    await h.ctx.nats.js.publish(SUBJECTS.event("acme", rec._id, "started"), "{not json");
    await h.ctx.nats.js.publish(SUBJECTS.event("acme", rec._id, "progress"), JSON.stringify({ kind: "progress" }));
    const s = await h.publishEvent(ev.started(rec));
    await waitFor(async () => (await job(rec._id))?.seq === s);
    await projectorIdle();
    expect((await eventsOf(rec._id)).map((e) => e._id)).toEqual([s]);
  });

  it("when MongoDB restarts mid-stream, every event published during the outage is projected once it is back", async () => {
    const rec = await h.insertJob();
    const s1 = await h.publishEvent(ev.started(rec));
    await waitFor(async () => (await job(rec._id))?.seq === s1);

    await h.mongo.stop();
    const s2 = await h.publishEvent(ev.progress(rec, { pct: 30, message: "during the outage" }), 1);
    const s3 = await h.publishEvent(ev.progress(rec, { pct: 70, message: "still down" }), 2);
    const s4 = await h.publishEvent(ev.succeeded(rec, { plan_id: "plan_outage" }));
    // The projector meets the outage: its writes fail, and what it was handed stays unacked.
    await waitFor(() => warnings.some((line) => line.includes("projection write failed")), {
      what: "a failed projection write",
      timeoutMs: 30_000,
    });
    const held = await projectorInfo();
    expect(held.num_ack_pending).toBeGreaterThan(0);
    expect(held.ack_floor.stream_seq).toBeLessThan(s2);

    await h.mongo.restart();
    const done = await waitFor(
      async () => {
        const j = await job(rec._id);
        return j?.seq === s4 ? j : undefined;
      },
      { timeoutMs: 60_000, what: "the outage events to be projected" },
    );
    expect(done).toMatchObject({ status: "succeeded", progress: { pct: 100 }, resultRefs: { plan_id: "plan_outage" } });
    expect((await eventsOf(rec._id)).map((e) => e._id)).toEqual([s1, s2, s3, s4]);
    await projectorIdle(30_000);
  }, 120_000);
});
