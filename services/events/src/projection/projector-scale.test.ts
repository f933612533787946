import { CONSUMERS, type JobRecord, STREAMS } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJobProjectionRepository } from "../data/job-projection.js";
import { ev, startHarness } from "../testing/harness.js";
import { createProjector, type Projector } from "./projector.js";

const JOBS = 50;
const EVENTS_PER_JOB = 200;
const TOTAL = JOBS * EVENTS_PER_JOB;

const h = useHarness(() => startHarness());
const projectors: Projector[] = [];
const warnings: string[] = [];
const log = pino({ level: "warn" }, { write: (line: string) => warnings.push(line) });

beforeAll(async () => {
  // Two replicas sharing the durable consumer, as two events processes would.
  for (let i = 0; i < 2; i++) {
    const projector = createProjector({
      nats: h.ctx.nats,
      messaging: h.ctx.messaging,
      projection: createJobProjectionRepository(h.ctx.mongo.collections),
      log,
      batchSize: h.config.PROJECTOR_BATCH_SIZE,
    });
    await projector.start();
    projectors.push(projector);
  }
});

afterAll(async () => {
  await Promise.all(projectors.map((p) => p.stop()));
});

/** Event `step` (0-based) of a job's life: started, progress…, succeeded. */
function eventAt(job: JobRecord, step: number) {
  if (step === 0) return h.publishEvent(ev.started(job));
  if (step === EVENTS_PER_JOB - 1) return h.publishEvent(ev.succeeded(job, { plan_id: `plan_${job._id}` }));
  const pct = Math.floor((step / EVENTS_PER_JOB) * 100);
  return h.publishEvent(ev.progress(job, { pct, step: `s${step}`, message: `step ${step}` }), step);
}

describe("projection at scale", () => {
  it("projects 10,000 events from two replicas with a MongoDB restart in the middle, and nothing is missing", async () => {
    const jobs: JobRecord[] = [];
    for (let i = 0; i < JOBS; i++) jobs.push(await h.insertJob());
    const published: number[] = [];
    const lastSeqOf = new Map<string, number>();

    for (let step = 0; step < EVENTS_PER_JOB; step++) {
      if (step === EVENTS_PER_JOB / 2) {
        // Half the events are out; MongoDB goes away while the rest keep coming.
        await h.mongo.stop();
      }
      if (step === EVENTS_PER_JOB / 2 + 20) {
        await waitFor(() => warnings.some((line) => line.includes("projection write failed")), {
          what: "a projector to meet the outage",
          timeoutMs: 30_000,
        });
        await h.mongo.restart();
      }
      const seqs = await Promise.all(jobs.map((job) => eventAt(job, step)));
      published.push(...seqs);
      for (const [i, job] of jobs.entries()) lastSeqOf.set(job._id, seqs[i] ?? 0);
    }
    expect(published).toHaveLength(TOTAL);

    const lastSeq = Math.max(...published);
    await waitFor(
      async () => {
        const info = await h.ctx.nats.jsm.consumers.info(STREAMS.events, CONSUMERS.projector);
        return info.ack_floor.stream_seq >= lastSeq && info.num_ack_pending === 0;
      },
      { what: "the projectors to ack all 10,000 events", timeoutMs: 240_000, intervalMs: 500 },
    );

    const stored = await h.ctx.mongo.collections.jobEvents.find({}, { projection: { _id: 1 } }).toArray();
    expect(stored.map((e) => e._id).sort((x, y) => x - y)).toEqual([...published].sort((x, y) => x - y));
    const records = await h.ctx.mongo.collections.jobs.find({}).toArray();
    expect(records).toHaveLength(JOBS);
    // Every record ends finished with its last sequence. Its progress step is the last one written before the
    // terminal event: with two replicas, a batch holding a job's last progress events may land after the other
    // replica's batch with its `succeeded`, and a finished job takes no more changes (docs/ARCHITECTURE.md).
    for (const record of records) {
      expect(record).toMatchObject({
        status: "succeeded",
        seq: lastSeqOf.get(record._id),
        progress: { pct: 100, step: expect.stringMatching(/^s\d+$/) },
        resultRefs: { plan_id: `plan_${record._id}` },
      });
    }
  }, 300_000);
});
