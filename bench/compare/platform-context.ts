/** A platform service context in this process (the runtime's own boot), and a no-op worker built on it. */
import type { JobType, Queue } from "@ai-jobs/contracts";
import {
  baseConfigShape,
  bootService,
  createWorker,
  type JobHandlers,
  loadConfig,
  type ServiceContext,
  type Worker,
} from "@ai-jobs/runtime";

export function bootBenchContext(natsUrl: string, mongoUrl: string, db: string): Promise<ServiceContext> {
  const config = loadConfig(baseConfigShape, {
    NATS_URL: natsUrl,
    MONGO_URL: mongoUrl,
    MONGO_DB: db,
    LOG_LEVEL: "warn",
  });
  return bootService("bench", "0.0.0", config);
}

/** `createWorker` exactly as the services build it, with handlers that only record their start. */
export function noopWorker(
  ctx: ServiceContext,
  queue: Queue,
  concurrency: number,
  onStart: (type: JobType, key: string) => void,
): Worker {
  const handlers: JobHandlers = {
    "material.ingest": async ({ payload }) => {
      onStart("material.ingest", payload.documentId);
      return { document_id: payload.documentId, chunk_count: 0 };
    },
    "plan.generate": async ({ payload }) => {
      onStart("plan.generate", payload.goal);
      return { plan_id: payload.planId, day_count: 0, task_count: 0, provider: "noop" };
    },
  };
  return createWorker({
    nats: ctx.nats,
    messaging: ctx.messaging,
    events: ctx.events,
    queue,
    concurrency,
    handlers,
    log: ctx.log,
    serviceName: "bench",
    instanceId: `bench-${process.pid}`,
    ackWaitMs: ctx.jobSettings.ackWaitMs,
    timeouts: ctx.jobSettings.timeouts,
    // Short long-polls: stop() waits for the idle ones, and a run stops its worker every time.
    pullExpiresMs: 1_000,
  });
}

/** Polls until `done()` holds; resolves with the time it first held. */
export async function until(done: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now();
}
