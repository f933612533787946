/**
 * This platform through the gateway's HTTP API: the real gateway and events processes (test/support/stack, the
 * stack's own planner stopped), `POST /api/ai/study-plans/generate/` from `window` concurrent clients, and a no-op
 * `plan.generate` handler run by `createWorker` in this process. Each POST writes a draft plan, the job record, the
 * `queued` event, the command and `dispatchedAt`, as in production. Terminal = `succeeded` stored in MongoDB by the
 * events process's projector.
 */
import { closeService } from "@ai-jobs/runtime";
import { startStack, TOKEN } from "../../test/support/stack.js";
import { projected, readStoredTerminals } from "./dispatch-platform.js";
import { summarize } from "./dispatch-raw.js";
import { bootBenchContext, noopWorker, until } from "./platform-context.js";
import { JobClock, windowed } from "./timing.js";
import type { DispatchOptions, DispatchRun } from "./types.js";

const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

export async function dispatchGateway(opts: DispatchOptions): Promise<DispatchRun> {
  const stack = await startStack({ LOG_LEVEL: "warn" });
  try {
    await Promise.all([stack.services.planner.kill("SIGTERM"), stack.services.ingestor.kill("SIGTERM")]);
    const ctx = await bootBenchContext(stack.nats.url, stack.mongo.url, stack.mongo.dbName);
    const clock = new JobClock();
    const worker = noopWorker(ctx, "ai_generation", opts.concurrency, (_type, key) => clock.start(key));
    try {
      await worker.start();
      const t0 = performance.now();
      await windowed(opts.jobs, opts.window, async (i) => {
        const goal = `bench ${i}`;
        clock.submit(goal);
        const res = await fetch(`${stack.gatewayUrl}/api/ai/study-plans/generate/`, {
          method: "POST",
          headers,
          body: JSON.stringify({ goal, start_date: "2026-12-01", end_date: "2026-12-01" }),
        });
        await res.text();
        if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
      });
      const enqueueS = (performance.now() - t0) / 1000;
      const workerAt = performance.now();
      await until(() => clock.started.size >= opts.jobs, opts.timeoutMs, "every gateway job to start");
      const drainedAt = await until(() => worker.inFlight() === 0, opts.timeoutMs, "the worker to finish");
      await projected(ctx, opts.timeoutMs);
      await readStoredTerminals(ctx, clock, (job) => String(job.payload.goal));
      return summarize(clock, opts, enqueueS, drainedAt, workerAt);
    } finally {
      await worker.stop(5_000);
      await closeService(ctx);
    }
  } finally {
    await stack.stop();
  }
}
