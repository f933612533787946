import type { BaseConfig } from "./config.js";
import type { ServiceContext } from "./service.js";
import { runService, type ServiceComponent } from "./service-shell.js";
import type { AnyJobDefinition } from "./worker/job-definition.js";
import { createWorker, type Worker } from "./worker/worker.js";

export interface WorkerServiceConfig extends BaseConfig {
  HOST: string;
  HEALTH_PORT: number;
  /** Jobs one replica runs at once. */
  WORKER_CONCURRENCY: number;
}

/** A job type as its service writes it, in one file: its definition (handler, failure hook) from the service's deps. */
export type ServiceJob<D> = (deps: D) => AnyJobDefinition;

/**
 * A worker service (planner, ingestor), defined once: its name, the job types it runs and how their dependencies are
 * made. Its worker is built from it by `createServiceWorker`, and `runWorkerService` runs it as a process.
 */
export interface WorkerServiceDefinition<D, O> {
  /** The service's name: in logs and traces, and its key prefix in the WORKERS registry. */
  readonly name: string;
  /** One entry per job type, all on one queue (which becomes the worker's). */
  readonly jobs: readonly ServiceJob<D>[];
  /** What the job types need (repositories, stores, model clients), from the booted service and its options. */
  deps(ctx: ServiceContext, options: O): D;
}

/** A worker service's definition, with its dependencies' and options' types inferred from `deps`. */
export const defineWorkerService = <D, O>(definition: WorkerServiceDefinition<D, O>): WorkerServiceDefinition<D, O> =>
  definition;

/** What any service's worker runs with, beside the service's own options. */
export interface WorkerRunOptions {
  concurrency: number;
  instanceId: string;
  /** Long-poll length of an idle priority's pull. */
  pullExpiresMs?: number | undefined;
  /** Default: `JOBS_ACK_WAIT_MS` from the service config (it must match the consumers' ack_wait). */
  ackWaitMs?: number | undefined;
}

/**
 * A worker service's worker, wired to its booted context: its job types' definitions made from its dependencies, with
 * messaging, events, logs and the job settings of config (`JOBS_ACK_WAIT_MS`, `JOB_TIMEOUTS_MS`).
 */
export function createServiceWorker<D, O>(
  ctx: ServiceContext,
  service: WorkerServiceDefinition<D, O>,
  options: O & WorkerRunOptions,
): Worker {
  const deps = service.deps(ctx, options);
  return createWorker({
    nats: ctx.nats,
    messaging: ctx.messaging,
    events: ctx.events,
    jobs: service.jobs.map((job) => job(deps)),
    concurrency: options.concurrency,
    log: ctx.log,
    serviceName: service.name,
    instanceId: options.instanceId,
    ackWaitMs: options.ackWaitMs ?? ctx.jobSettings.ackWaitMs,
    timeouts: ctx.jobSettings.timeouts,
    ...(options.pullExpiresMs === undefined ? {} : { pullExpiresMs: options.pullExpiresMs }),
  });
}

/** Time kept back from the shutdown budget for the last pulls to expire and the connections to close. */
const SHUTDOWN_MARGIN_MS = 8_000;

/**
 * A worker as a service component: it starts pulling, and on shutdown drains (finishes or hands back its jobs) within
 * the shutdown budget less a margin for the connections to close.
 */
export function workerComponent(worker: Worker, config: Pick<BaseConfig, "SHUTDOWN_TIMEOUT_MS">): ServiceComponent {
  return {
    name: "worker",
    start: () => worker.start(),
    stop: () => worker.stop(Math.max(1_000, config.SHUTDOWN_TIMEOUT_MS - SHUTDOWN_MARGIN_MS)),
  };
}

/**
 * A worker service's process: the service shell with its one worker (`WORKER_CONCURRENCY` slots, named
 * `SERVICE_INSTANCE_ID`), its internal listener on HOST:HEALTH_PORT (`/healthz`, `/readyz` over NATS, MongoDB and the
 * worker started, `/health`, `/metrics`).
 */
export function runWorkerService<C extends WorkerServiceConfig, D, O>(
  service: WorkerServiceDefinition<D, O>,
  opts: {
    packageJson: URL;
    config: () => C;
    /** The service's own options, from its booted context and config. */
    options: (ctx: ServiceContext, config: C) => O;
  },
): void {
  runService({
    name: service.name,
    packageJson: opts.packageJson,
    config: opts.config,
    internalListener: (config) => ({ host: config.HOST, port: config.HEALTH_PORT }),
    build: (ctx, config) => {
      const worker = createServiceWorker(ctx, service, {
        ...opts.options(ctx, config),
        concurrency: config.WORKER_CONCURRENCY,
        instanceId: config.SERVICE_INSTANCE_ID,
      });
      return { components: [workerComponent(worker, config)] };
    },
  });
}
