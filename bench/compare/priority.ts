/**
 * Priority latency: the platform worker (`createWorker`, no-op `material.ingest`) is draining a backlog of
 * `backlog` low jobs; once it has run a few, one critical job is submitted. Measured: submit → the critical
 * handler's start, how many low jobs started in between, and how many were still queued (what a FIFO queue would
 * have run first: the FIFO wait is estimated from the measured drain rate).
 */
import { type JobCommand, type Priority, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { closeService, createIdGenerator } from "@ai-jobs/runtime";
import { bootBenchContext, noopWorker, until } from "./platform-context.js";
import { windowed } from "./timing.js";

export interface PriorityRun {
  backlog: number;
  concurrency: number;
  criticalWaitMs: number;
  /** Low jobs that started after the critical one was submitted and before it started. */
  lowStartedBetween: number;
  /** Low jobs still queued when the critical one was submitted. */
  queuedAhead: number;
  /** queuedAhead at the measured low drain rate: the wait behind a FIFO queue. */
  fifoEstimateMs: number;
}

const TENANT = "bench";

export async function priorityLatency(
  natsUrl: string,
  mongoUrl: string,
  opts: { backlog: number; concurrency: number; timeoutMs: number },
): Promise<PriorityRun> {
  const ctx = await bootBenchContext(natsUrl, mongoUrl, `bench_priority_${Date.now()}`);
  const newId = createIdGenerator();
  const command = (priority: Priority, key: string): JobCommand => ({
    jobId: newId(),
    tenantId: TENANT,
    userId: "u",
    type: "material.ingest",
    queue: "ingest",
    priority,
    payload: { planId: "P", documentId: key, fileId: "F", filename: "a.md", contentType: "text/markdown" },
    createdAt: new Date().toISOString(),
  });
  let lowStarted = 0;
  let criticalAt: number | undefined;
  const worker = noopWorker(ctx, "ingest", opts.concurrency, {
    onStart: (_type, key) => {
      if (key === "critical") criticalAt = performance.now();
      else lowStarted++;
    },
  });
  try {
    await ctx.nats.jsm.streams.purge(STREAMS.jobs);
    // The backlog goes in with plain JetStream publishes: it is the setup, not what is measured.
    await windowed(opts.backlog, 500, async (i) => {
      const c = command("low", `low${i}`);
      await ctx.nats.js.publish(SUBJECTS.job("ingest", "low", TENANT), JSON.stringify(c), { msgID: c.jobId });
    });
    const startedAt = performance.now();
    await worker.start();
    const warm = Math.min(200, Math.floor(opts.backlog / 10));
    await until(() => lowStarted >= warm, opts.timeoutMs, "the worker to be draining the backlog");
    const lowBefore = lowStarted;
    const rate = lowBefore / (performance.now() - startedAt);
    const submittedAt = performance.now();
    await ctx.messaging.publish(SUBJECTS.job("ingest", "critical", TENANT), command("critical", "critical"), {
      msgId: newId(),
    });
    await until(() => criticalAt !== undefined, opts.timeoutMs, "the critical job to start");
    const queuedAhead = opts.backlog - lowBefore;
    return {
      backlog: opts.backlog,
      concurrency: opts.concurrency,
      criticalWaitMs: (criticalAt ?? Number.NaN) - submittedAt,
      lowStartedBetween: lowStarted - lowBefore,
      queuedAhead,
      fifoEstimateMs: queuedAhead / rate,
    };
  } finally {
    await worker.stop(2_000);
    await ctx.nats.jsm.streams.purge(STREAMS.jobs).catch(() => undefined);
    await ctx.mongo.db.dropDatabase().catch(() => undefined);
    await closeService(ctx);
  }
}
