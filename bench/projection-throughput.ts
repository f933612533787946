/**
 * Projection throughput: how many job events per second the events service's projector writes into MongoDB
 * (`job_events` inserts and one record write per job per batch), draining a backlog already in JOB_EVENTS.
 * Each run: a fresh database, BENCH_PROJ_EVENTS events over BENCH_PROJ_JOBS jobs (each job's `queued` event, which
 * creates its record, then started, progress…, succeeded), published job-interleaved before the projector starts;
 * then R projector replicas in this process sharing the durable consumer (one holds the pin and projects; the
 * others stand by); the clock stops when the consumer has acked the last message.
 * Run: npm run bench -- projection   (BENCH_PROJ_EVENTS=10000, BENCH_PROJ_JOBS=100, BENCH_PROJ_REPLICAS="1,2",
 * BENCH_PROJ_RUNS=3, BENCH_PROJ_BATCH=1000, the events service's default)
 */
import os from "node:os";
import { CONSUMERS, newJobRecord, queuedEventOf, STREAMS } from "@ai-jobs/contracts";
import { mongoBackendLabel } from "@ai-jobs/testkit";
import { pino } from "pino";
import { createJobProjectionRepository } from "../services/events/src/data/job-projection.js";
import { createProjector, type Projector } from "../services/events/src/projection/projector.js";
import { ev, type Harness, startHarness } from "../services/events/src/testing/harness.js";
import { median } from "./stats.js";

export interface ProjectionOptions {
  events: number;
  jobs: number;
  replicas: number;
  batchSize: number;
}

export interface ProjectionRun extends ProjectionOptions {
  eventsPerS: number;
  store: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes `events` events spread over `jobs` new jobs, each job's in its natural order, jobs interleaved. */
async function publishBacklog(h: Harness, opts: ProjectionOptions): Promise<number> {
  const perJob = Math.max(3, Math.floor(opts.events / opts.jobs));
  const now = new Date();
  const jobs = Array.from({ length: opts.jobs }, () =>
    newJobRecord({
      jobId: h.newId(),
      tenantId: "acme",
      userId: "u_bench",
      type: "plan.summary",
      priority: "normal",
      payload: { planId: "p" },
      now,
    }),
  );
  let published = 0;
  for (let step = 0; step < perJob && published < opts.events; step++) {
    const wave = jobs.slice(0, Math.min(jobs.length, opts.events - published)).map((job) => {
      if (step === 0) return h.publishEvent(queuedEventOf(job, { at: now }));
      if (step === 1) return h.publishEvent(ev.started(job));
      if (step === perJob - 1) return h.publishEvent(ev.succeeded(job, { plan_id: `p_${job._id}` }));
      return h.publishEvent(
        ev.progress(job, { pct: Math.round((step / perJob) * 100), message: `step ${step}` }),
        step,
      );
    });
    await Promise.all(wave);
    published += wave.length;
  }
  return published;
}

async function drained(h: Harness, lastSeq: number): Promise<void> {
  for (;;) {
    const info = await h.ctx.nats.jsm.consumers.info(STREAMS.events, CONSUMERS.projector);
    if (info.ack_floor.stream_seq >= lastSeq && info.num_ack_pending === 0) return;
    await sleep(50);
  }
}

/** One run on fresh servers: the events per second from the projectors' start to the last ack. */
export async function benchProjection(opts: ProjectionOptions): Promise<ProjectionRun> {
  const h = await startHarness({ PROJECTOR_BATCH_SIZE: String(opts.batchSize) });
  try {
    const published = await publishBacklog(h, opts);
    const { state } = await h.ctx.nats.jsm.streams.info(STREAMS.events);
    const log = pino({ level: "warn" });
    const projectors: Projector[] = Array.from({ length: opts.replicas }, () =>
      createProjector({
        nats: h.ctx.nats,
        messaging: h.ctx.messaging,
        projection: createJobProjectionRepository(h.ctx.mongo.collections),
        log,
        batchSize: opts.batchSize,
      }),
    );
    const t0 = performance.now();
    await Promise.all(projectors.map((p) => p.start()));
    await drained(h, state.last_seq);
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(projectors.map((p) => p.stop()));
    const stored = await h.ctx.mongo.collections.jobEvents.countDocuments();
    if (stored !== published) throw new Error(`projected ${stored} of ${published} events`);
    const finished = await h.ctx.mongo.collections.jobs.countDocuments({ status: "succeeded" });
    if (finished !== opts.jobs) throw new Error(`${finished} of ${opts.jobs} job records stored as succeeded`);
    return { ...opts, eventsPerS: published / seconds, store: await mongoBackendLabel() };
  } finally {
    await h.close();
  }
}

export async function main(): Promise<void> {
  const base = {
    events: Number(process.env.BENCH_PROJ_EVENTS ?? 10_000),
    jobs: Number(process.env.BENCH_PROJ_JOBS ?? 100),
    batchSize: Number(process.env.BENCH_PROJ_BATCH ?? 1_000),
  };
  const replicaCounts = (process.env.BENCH_PROJ_REPLICAS ?? "1,2").split(",").map(Number);
  const runs = Number(process.env.BENCH_PROJ_RUNS ?? 3);
  console.log(
    `projection throughput: ${base.events} events over ${base.jobs} jobs, batch ${base.batchSize}; ` +
      `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
      `${await mongoBackendLabel()}`,
  );
  for (const replicas of replicaCounts) {
    const rates: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { eventsPerS } = await benchProjection({ ...base, replicas });
      rates.push(eventsPerS);
      console.log(`  replicas ${replicas} run ${i + 1}: ${eventsPerS.toFixed(0)} events/s`);
    }
    console.log(`replicas ${replicas}: median ${median(rates).toFixed(0)} events/s over ${runs} runs`);
  }
}
