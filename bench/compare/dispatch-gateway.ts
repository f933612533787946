/**
 * This platform through the gateway's HTTP API: real gateway and events processes, `POST
 * /api/ai/study-plans/generate/` from `window` concurrent clients (each stores a draft plan, then the `queued` event
 * and the command), and a no-op `plan.generate` handler run by `createWorker` in this process. Terminal = the
 * first `GET /api/ai/jobs/{id}/` that answers the job as succeeded; the projection's lag is reported beside it. The
 * clients honour load shedding: a 503 is retried after its `Retry-After` (and counted), and the submit time is the
 * first try's.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { closeService } from "@ai-jobs/runtime";
import { mongoBackendLabel, startMongo, startNats } from "@ai-jobs/testkit";
import { startServices, TOKEN } from "../../test/support/stack.js";
import { type PlatformRun, projected } from "./dispatch-platform.js";
import { summarize } from "./dispatch-raw.js";
import { UNREACHABLE_RATE_LIMITS } from "./gateway-env.js";
import { bootBenchContext, noopWorker, until } from "./platform-context.js";
import { readTerminalAt } from "./read-terminal.js";
import { JobClock, windowed } from "./timing.js";
import type { DispatchOptions } from "./types.js";

const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
/** Tries of one submit at most, when the gateway keeps shedding it. */
const MAX_SUBMITS = 10;

export async function dispatchGateway(opts: DispatchOptions): Promise<PlatformRun> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const services = await startServices(nats, mongo, ["events", "gateway"], {
    LOG_LEVEL: "warn",
    ...UNREACHABLE_RATE_LIMITS,
  });
  const ctx = await bootBenchContext(nats.url, mongo.url, mongo.dbName);
  const clock = new JobClock();
  /** The job id of each goal, known once its POST answered. */
  const jobOf = new Map<string, string>();
  const reads: Promise<void>[] = [];
  const worker = noopWorker(ctx, "ai_generation", opts.concurrency, {
    onStart: (_type, goal) => clock.start(goal),
    onDone: (_type, goal) => {
      reads.push(
        until(() => jobOf.has(goal), opts.timeoutMs, "the POST's answer").then(async () => {
          clock.finish(goal, await readTerminalAt(services.gatewayUrl, jobOf.get(goal) ?? "", opts.timeoutMs));
        }),
      );
    },
  });
  try {
    await worker.start();
    const t0 = performance.now();
    let shed = 0;
    await windowed(opts.jobs, opts.window, async (i) => {
      const goal = `bench ${i}`;
      clock.submit(goal);
      // A client that honours the gateway's load shedding: a 503 is retried after its Retry-After.
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(`${services.gatewayUrl}/api/ai/study-plans/generate/`, {
          method: "POST",
          headers,
          body: JSON.stringify({ goal, start_date: "2026-12-01", end_date: "2026-12-01" }),
        });
        const body = (await res.json()) as { job_id?: string };
        if (res.status === 503 && attempt < MAX_SUBMITS) {
          shed += 1;
          await sleep(Number(res.headers.get("retry-after") ?? "1") * 1_000);
          continue;
        }
        if (res.status !== 202 || !body.job_id) throw new Error(`POST answered ${res.status}`);
        jobOf.set(goal, body.job_id);
        return;
      }
    });
    const enqueueS = (performance.now() - t0) / 1000;
    const workerAt = performance.now();
    await until(() => clock.started.size >= opts.jobs, opts.timeoutMs, "every gateway job to start");
    const drainedAt = await until(() => worker.inFlight() === 0, opts.timeoutMs, "the worker to finish");
    await Promise.all(reads);
    await projected(ctx, opts.timeoutMs);
    const storedAfterS = (performance.now() - drainedAt) / 1000;
    return {
      ...summarize(clock, opts, enqueueS, drainedAt, workerAt),
      storedAfterS,
      store: await mongoBackendLabel(),
      shed,
    };
  } finally {
    await worker.stop(5_000);
    await closeService(ctx);
    await services.stop();
    await Promise.all([nats.cleanup(), mongo.cleanup()]);
  }
}
