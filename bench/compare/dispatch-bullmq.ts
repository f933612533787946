/**
 * BullMQ 5 on the local Redis: `Queue.addBulk` in windows (BullMQ's fast path for many jobs), a `Worker` with the
 * same concurrency and a no-op processor. Terminal = the job moved to `completed` in Redis (BullMQ's own store;
 * the worker's `completed` event fires after that write).
 */
import { Queue, Worker } from "bullmq";
import { summarize } from "./dispatch-raw.js";
import { REDIS } from "./redis.js";
import { JobClock } from "./timing.js";
import type { DispatchOptions, DispatchRun } from "./types.js";

export async function dispatchBullMq(opts: DispatchOptions): Promise<DispatchRun> {
  const name = `bench-${Date.now()}`;
  const queue = new Queue(name, { connection: REDIS });
  const clock = new JobClock();
  const worker = new Worker(
    name,
    async (job) => {
      clock.start(String(job.data.key));
    },
    { connection: REDIS, concurrency: opts.concurrency, autorun: !opts.prefill },
  );
  worker.on("completed", (job) => clock.finish(String(job.data.key)));
  try {
    await worker.waitUntilReady();
    const t0 = performance.now();
    // addBulk is one round trip per chunk: `window` jobs per call, one call at a time.
    for (let i = 0; i < opts.jobs; i += opts.window) {
      const chunk = Array.from({ length: Math.min(opts.window, opts.jobs - i) }, (_, k) => ({
        name: "noop",
        data: { key: `j${i + k}` },
      }));
      const at = performance.now();
      for (const c of chunk) clock.submit(c.data.key, at);
      await queue.addBulk(chunk);
    }
    const enqueueS = (performance.now() - t0) / 1000;
    const workerAt = performance.now();
    if (opts.prefill) void worker.run();
    await clock.finished(opts.jobs, opts.timeoutMs, "BullMQ");
    return summarize(clock, opts, enqueueS, clock.lastTerminal(), workerAt);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
