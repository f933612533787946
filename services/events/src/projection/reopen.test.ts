import type { JobRecord } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobProjectionRepository } from "../data/job-projection.js";
import { ev, startHarness } from "../testing/harness.js";
import { applyEvents, type SequencedEvent } from "./apply-events.js";
import { createProjector, type Projector } from "./projector.js";

const h = useHarness(() => startHarness());
let projector: Projector;

beforeAll(async () => {
  projector = createProjector({
    nats: h.ctx.nats,
    messaging: h.ctx.messaging,
    projection: createJobProjectionRepository(h.ctx.mongo.collections),
    log: pino({ level: "silent" }),
    batchSize: h.config.PROJECTOR_BATCH_SIZE,
  });
  await projector.start();
});

afterAll(async () => {
  await projector?.stop();
});

const job = (id: string) => h.ctx.mongo.collections.jobs.findOne({ _id: id });
const apply = (...events: SequencedEvent[]) =>
  applyEvents(createJobProjectionRepository(h.ctx.mongo.collections), events);

let block = 0;
/** Hand-made sequences far above the real stream's, a fresh range per test (job_events keys them). */
function sequences() {
  block += 1;
  let next = 5_000_000 + block * 1_000;
  return (event: SequencedEvent["event"]): SequencedEvent => {
    next += 1;
    return { seq: next, event };
  };
}

/** A job whose first run failed: started, progress, failed, as sequenced events already applied. */
async function failedJob(overrides: Partial<JobRecord> = {}) {
  const rec = await h.insertJob(overrides);
  const at = sequences();
  const run1 = [
    at(ev.started(rec)),
    at(ev.progress(rec, { pct: 40, step: "outline", message: "outlining" })),
    at(ev.failed(rec, "model refused")),
  ];
  await apply(...run1);
  expect(await job(rec._id)).toMatchObject({ status: "failed" });
  return { rec, at, run1 };
}

describe("projection: an explicit retry reopens a job", () => {
  it("end to end: a failed job retried runs again and its second run's events apply", async () => {
    const rec = await h.insertJob();
    await h.publishEvent(ev.started(rec));
    const s2 = await h.publishEvent(ev.failed(rec, "upstream said no"));
    await waitFor(async () => (await job(rec._id))?.seq === s2);

    const s3 = await h.publishEvent(ev.retried(rec, 1), 1);
    await h.publishEvent(ev.started(rec, 1), 1);
    await h.publishEvent(ev.progress(rec, { pct: 50, message: "again" }, 1), 2);
    const s6 = await h.publishEvent(ev.succeeded(rec, { plan_id: "plan_retry" }, 1), 1);
    const done = await waitFor(async () => {
      const j = await job(rec._id);
      return j?.seq === s6 ? j : undefined;
    });
    expect(done).toMatchObject({
      status: "succeeded",
      retries: 1,
      attempt: 1,
      resultRefs: { plan_id: "plan_retry" },
      lastError: null,
      progress: { pct: 100, message: "again" },
      runSeq: s3,
    });
  });

  it("the retry resets the run: queued, attempt 0, no error, result, times or progress; guards at its sequence", async () => {
    const { rec, at } = await failedJob();
    const retry = at(ev.retried(rec, 1));
    expect(await apply(retry)).toBe(1);
    expect(await job(rec._id)).toMatchObject({
      status: "queued",
      retries: 1,
      attempt: 0,
      lastError: null,
      resultRefs: null,
      startedAt: null,
      finishedAt: null,
      progress: { pct: 0 },
      seq: retry.seq,
      statusSeq: retry.seq,
      progressSeq: retry.seq,
      runSeq: retry.seq,
    });
  });

  it("a replay of the retry, or of the first run with its terminal event, changes nothing in the new run", async () => {
    const { rec, at, run1 } = await failedJob();
    const retry = at(ev.retried(rec, 1));
    const started = at(ev.started(rec, 1));
    await apply(retry, started);
    const running = await job(rec._id);
    expect(running).toMatchObject({ status: "running", retries: 1, attempt: 1, seq: started.seq });

    expect(await apply(retry)).toBe(0);
    expect(await apply(...run1)).toBe(0);
    expect(await apply(...run1, retry, started)).toBe(0);
    expect(await job(rec._id)).toEqual(running);

    // The second run ends; the retry replayed after that does not reopen it either.
    const failed2 = at(ev.failed(rec, "refused again", 1));
    await apply(failed2);
    expect(await apply(retry)).toBe(0);
    expect(await job(rec._id)).toMatchObject({ status: "failed", retries: 1, seq: failed2.seq });
  });

  it("the next retry reopens again; a stale one (not above `retries`) does not", async () => {
    const { rec, at } = await failedJob({ retries: 2 });
    expect(await apply(at(ev.retried(rec, 2)))).toBe(0);
    expect(await apply(at(ev.retried(rec, 1)))).toBe(0);
    expect(await job(rec._id)).toMatchObject({ status: "failed", retries: 2 });
    await apply(at(ev.retried(rec, 3)));
    expect(await job(rec._id)).toMatchObject({ status: "queued", retries: 3 });
  });

  it("a cancelled job reopens; a succeeded one does not", async () => {
    const cancelled = await h.insertJob();
    const at = sequences();
    await apply(at(ev.started(cancelled)), at(ev.cancelled(cancelled)), at(ev.retried(cancelled, 1)));
    expect(await job(cancelled._id)).toMatchObject({ status: "queued", retries: 1, finishedAt: null });

    const succeeded = await h.insertJob();
    await apply(at(ev.started(succeeded)), at(ev.succeeded(succeeded, { plan_id: "p" })));
    const before = await job(succeeded._id);
    await apply(at(ev.retried(succeeded, 1)));
    expect(await job(succeeded._id)).toMatchObject({
      status: "succeeded",
      resultRefs: { plan_id: "p" },
      finishedAt: before?.finishedAt,
    });
  });

  it("the new run's events written before the retry (another replica's batch) are applied once it reopens", async () => {
    const { rec, at } = await failedJob();
    const retry = at(ev.retried(rec, 1));
    const started = at(ev.started(rec, 1));
    const progress = at(ev.progress(rec, { pct: 30, message: "second run" }, 1));
    // Written first, while the job is still finished: refused.
    await apply(started, progress);
    expect(await job(rec._id)).toMatchObject({ status: "failed" });

    await apply(retry);
    expect(await job(rec._id)).toMatchObject({
      status: "running",
      retries: 1,
      attempt: 1,
      progress: { pct: 30, message: "second run" },
      seq: progress.seq,
    });
  });
});
