/**
 * Projection throughput: how many job events per second the events service's projector writes into MongoDB
 * (`job_events` inserts + guarded `jobs` updates), draining a backlog already in JOB_EVENTS.
 * Each run: a fresh database with BENCH_PROJ_JOBS job records, BENCH_PROJ_EVENTS events over them (started,
 * progress…, succeeded per job) published before the projector starts, then R projector replicas in this process
 * sharing the durable consumer; the clock stops when the consumer has acked the last message.
 * Run: npm run bench -- projection   (BENCH_PROJ_EVENTS=10000, BENCH_PROJ_JOBS=100, BENCH_PROJ_REPLICAS="1,2",
 * BENCH_PROJ_RUNS=3, BENCH_PROJ_BATCH=200)
 */
import os from "node:os";
import { CONSUMERS, STREAMS } from "@ai-jobs/contracts";
import { pino } from "pino";
import { createProjector, type Projector } from "../services/events/src/projection/projector.js";
import { ev, type Harness, startHarness } from "../services/events/src/testing/harness.js";
import { median } from "./stats.js";

const fmt = (rate: number) => rate.toFixed(0);

const totalEvents = Number(process.env.BENCH_PROJ_EVENTS ?? 10_000);
const jobCount = Number(process.env.BENCH_PROJ_JOBS ?? 100);
const replicaCounts = (process.env.BENCH_PROJ_REPLICAS ?? "1,2").split(",").map(Number);
const runs = Number(process.env.BENCH_PROJ_RUNS ?? 3);
const batchSize = Number(process.env.BENCH_PROJ_BATCH ?? 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes `totalEvents` events spread over `jobCount` fresh jobs, in each job's natural order. */
async function publishBacklog(h: Harness): Promise<number> {
  const perJob = Math.max(2, Math.floor(totalEvents / jobCount));
  const jobs = Array.from({ length: jobCount }, () => h.jobRecord());
  await h.ctx.mongo.collections.jobs.insertMany(jobs);
  let published = 0;
  for (let step = 0; step < perJob && published < totalEvents; step++) {
    const wave = jobs.slice(0, Math.min(jobs.length, totalEvents - published)).map((job) => {
      if (step === 0) return h.publish(ev.started(job));
      if (step === perJob - 1) return h.publish(ev.succeeded(job, { plan_id: `p_${job._id}` }));
      return h.publish(ev.progress(job, { pct: Math.round((step / perJob) * 100), message: `step ${step}` }), step);
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

async function run(replicas: number): Promise<number> {
  const h = await startHarness({ PROJECTOR_BATCH_SIZE: String(batchSize) });
  try {
    const published = await publishBacklog(h);
    const { state } = await h.ctx.nats.jsm.streams.info(STREAMS.events);
    const log = pino({ level: "warn" });
    const projectors: Projector[] = Array.from({ length: replicas }, () =>
      createProjector({
        nats: h.ctx.nats,
        messaging: h.ctx.messaging,
        collections: h.ctx.mongo.collections,
        log,
        batchSize,
      }),
    );
    const t0 = performance.now();
    await Promise.all(projectors.map((p) => p.start()));
    await drained(h, state.last_seq);
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(projectors.map((p) => p.stop()));
    const stored = await h.ctx.mongo.collections.jobEvents.estimatedDocumentCount();
    if (stored !== published) throw new Error(`projected ${stored} of ${published} events`);
    return published / seconds;
  } finally {
    await h.close();
  }
}

console.log(
  `projection throughput: ${totalEvents} events over ${jobCount} jobs, batch ${batchSize}; ` +
    `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
    `MongoDB wire: ${process.env.MONGO_URL ? "MONGO_URL" : "FerretDB 1.24.2 (SQLite)"}`,
);
for (const replicas of replicaCounts) {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const rate = await run(replicas);
    rates.push(rate);
    console.log(`  replicas ${replicas} run ${i + 1}: ${fmt(rate)} events/s`);
  }
  console.log(`replicas ${replicas}: median ${fmt(median(rates))} events/s over ${runs} runs`);
}
