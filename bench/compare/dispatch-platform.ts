/**
 * This platform through its publish API, as the gateway submits: `newJobRecord` inserted into `jobs`, then
 * `publishQueued` (the `queued` event) and `publishCommand` (the command on `jobs.ingest.normal.<tenant>`), for a
 * no-op `material.ingest` handler run by `createWorker` in this process. The gateway's third write (`dispatchedAt`,
 * an update that scans on FerretDB) is left out: this row is the publish path, the gateway row below has it.
 * With `project`, the events service's projector runs here too and "terminal" is the `succeeded` status stored in
 * MongoDB (its `updatedAt`); without it there is no terminal latency (nothing is
 * stored), only the drain: the worker done with the last job (its `succeeded` event published, the command acked).
 */
import { CONSUMERS, newJobRecord, STREAMS } from "@ai-jobs/contracts";
import { closeService, createIdGenerator, publishCommand, publishQueued, type ServiceContext } from "@ai-jobs/runtime";
import { createProjector } from "../../services/events/src/projection/projector.js";
import { summarize } from "./dispatch-raw.js";
import { bootBenchContext, noopWorker, until } from "./platform-context.js";
import { JobClock, windowed } from "./timing.js";
import type { DispatchOptions, DispatchRun } from "./types.js";

const TENANT = "bench";

export async function dispatchPlatform(
  natsUrl: string,
  mongoUrl: string,
  opts: DispatchOptions & { project: boolean },
): Promise<DispatchRun> {
  const ctx = await bootBenchContext(natsUrl, mongoUrl, `bench_dispatch_${Date.now()}`);
  const clock = new JobClock();
  const worker = noopWorker(ctx, "ingest", opts.concurrency, (_type, key) => clock.start(key));
  const projector = opts.project
    ? createProjector({
        nats: ctx.nats,
        messaging: ctx.messaging,
        collections: ctx.mongo.collections,
        log: ctx.log,
        batchSize: 200,
      })
    : undefined;
  const newId = createIdGenerator();
  try {
    // The suite shares one nats-server between runs: earlier runs' events would otherwise be projected here too.
    await Promise.all([ctx.nats.jsm.streams.purge(STREAMS.events), ctx.nats.jsm.streams.purge(STREAMS.jobs)]);
    if (!opts.prefill) await worker.start();
    await projector?.start();
    const t0 = performance.now();
    await windowed(opts.jobs, opts.window, async () => {
      const jobId = newId();
      const record = newJobRecord({
        jobId,
        tenantId: TENANT,
        userId: "u",
        type: "material.ingest",
        priority: "normal",
        payload: { planId: "P", documentId: jobId, fileId: "F", filename: "a.md", contentType: "text/markdown" },
        now: new Date(),
      });
      clock.submit(jobId);
      await ctx.mongo.collections.jobs.insertOne(record);
      await publishQueued(ctx.events, record, {});
      await publishCommand(ctx.messaging, record, {});
    });
    const enqueueS = (performance.now() - t0) / 1000;
    const workerAt = performance.now();
    if (opts.prefill) await worker.start();
    await until(() => clock.started.size >= opts.jobs, opts.timeoutMs, "every platform job to start");
    const drainedAt = await until(() => worker.inFlight() === 0, opts.timeoutMs, "the platform worker to finish");
    if (!projector) {
      // Nothing stored without the projector: no terminal latency (NaN), only the drain.
      return summarize(clock, opts, enqueueS, drainedAt, workerAt);
    }
    await projected(ctx, opts.timeoutMs);
    await projector.stop();
    await readStoredTerminals(ctx, clock, (job) => job._id);
    return summarize(clock, opts, enqueueS, drainedAt, workerAt);
  } finally {
    await worker.stop(5_000);
    await projector?.stop();
    await ctx.mongo.db.dropDatabase().catch(() => undefined);
    await closeService(ctx);
  }
}

/** Waits until the projector's consumer has acked everything in JOB_EVENTS. */
export async function projected(ctx: ServiceContext, timeoutMs: number): Promise<void> {
  const { state } = await ctx.nats.jsm.streams.info(STREAMS.events);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const info = await ctx.nats.jsm.consumers.info(STREAMS.events, CONSUMERS.projector);
    if (info.ack_floor.stream_seq >= state.last_seq && info.num_ack_pending === 0) return;
    if (performance.now() > deadline) throw new Error("timed out waiting for the projection");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Reads every stored terminal job once; its `updatedAt` (set by the projector's write) is the terminal time. */
export async function readStoredTerminals(
  ctx: ServiceContext,
  clock: JobClock,
  keyOf: (job: { _id: string; payload: Record<string, unknown> }) => string,
): Promise<void> {
  const jobs = await ctx.mongo.db
    .collection<{ _id: string; status: string; updatedAt: Date; payload: Record<string, unknown> }>("jobs")
    .find({}, { projection: { _id: 1, status: 1, updatedAt: 1, payload: 1 } })
    .toArray();
  for (const job of jobs) {
    if (job.status === "succeeded") clock.finish(keyOf(job), job.updatedAt.getTime() - performance.timeOrigin);
  }
}
