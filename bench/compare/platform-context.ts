/** A platform service context in this process (the runtime's own boot), and a no-op worker built on it. */
import { JOB_TYPES, type JobType, type Queue } from "@ai-jobs/contracts";
import {
  type AnyJobDefinition,
  baseConfigShape,
  bootService,
  createServiceWorker,
  defineJob,
  defineWorkerService,
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

export interface NoopHooks {
  /** The handler started: the job's key (its document id, or a plan's goal). */
  onStart(type: JobType, key: string): void;
  /** Right after the handler returned (its outcome is being published). */
  onDone?(type: JobType, key: string): void;
}

/** A worker exactly as the services build it (`createServiceWorker`), with handlers that only record their start and end. */
export function noopWorker(ctx: ServiceContext, queue: Queue, concurrency: number, hooks: NoopHooks): Worker {
  const noop = <R>(type: JobType, key: string, result: R): R => {
    hooks.onStart(type, key);
    if (hooks.onDone) queueMicrotask(() => hooks.onDone?.(type, key));
    return result;
  };
  const jobs: AnyJobDefinition[] = [
    defineJob({
      type: "material.ingest",
      handler: async ({ payload }) =>
        noop("material.ingest", payload.documentId, { document_id: payload.documentId, chunk_count: 0 }),
    }),
    defineJob({
      type: "plan.generate",
      handler: async ({ payload }) =>
        noop("plan.generate", payload.goal, { plan_id: payload.planId, day_count: 0, task_count: 0, provider: "noop" }),
    }),
  ];
  const onQueue = jobs.filter((job) => JOB_TYPES[job.type].queue === queue);
  const bench = defineWorkerService({ name: "bench", jobs: onQueue.map((job) => () => job), deps: () => ({}) });
  return createServiceWorker(ctx, bench, {
    concurrency,
    instanceId: `bench-${process.pid}`,
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
