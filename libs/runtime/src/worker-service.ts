import type { BaseConfig } from "./config.js";
import type { ServiceContext } from "./service.js";
import { runService, type ServiceComponent } from "./service-shell.js";
import type { AnyJobDefinition } from "./worker/job-definition.js";
import { createWorker, type Worker } from "./worker/worker.js";

export interface WorkerServiceConfig extends BaseConfig {
  HOST: string;
  HEALTH_PORT: number;
}

export interface ServiceWorkerOptions {
  /** The service's name: its key prefix in the WORKERS registry. */
  serviceName: string;
  /** The job types the service runs, all on one queue (which becomes the worker's). */
  jobs: readonly AnyJobDefinition[];
  concurrency: number;
  instanceId: string;
  /** Long-poll length of an idle priority's pull. */
  pullExpiresMs?: number | undefined;
  /** Default: `JOBS_ACK_WAIT_MS` from the service config (it must match the consumers' ack_wait). */
  ackWaitMs?: number | undefined;
}

/** A worker service's worker, wired to its booted context: messaging, events, logs and the job settings of config. */
export function createServiceWorker(ctx: ServiceContext, opts: ServiceWorkerOptions): Worker {
  return createWorker({
    nats: ctx.nats,
    messaging: ctx.messaging,
    events: ctx.events,
    jobs: opts.jobs,
    concurrency: opts.concurrency,
    log: ctx.log,
    serviceName: opts.serviceName,
    instanceId: opts.instanceId,
    ackWaitMs: opts.ackWaitMs ?? ctx.jobSettings.ackWaitMs,
    timeouts: ctx.jobSettings.timeouts,
    ...(opts.pullExpiresMs === undefined ? {} : { pullExpiresMs: opts.pullExpiresMs }),
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
 * A worker service (planner, ingestor): the service shell with one worker, its internal listener on HOST:HEALTH_PORT
 * (`/healthz`, `/readyz` over NATS, MongoDB and the worker started, `/health`, `/metrics`).
 */
export function runWorkerService<C extends WorkerServiceConfig>(opts: {
  name: string;
  packageJson: URL;
  config: () => C;
  /** Usually `createServiceWorker`, which hands `ctx.jobSettings` (`JOBS_ACK_WAIT_MS`, `JOB_TIMEOUTS_MS`) on. */
  createWorker: (ctx: ServiceContext, config: C) => Worker;
}): void {
  runService({
    name: opts.name,
    packageJson: opts.packageJson,
    config: opts.config,
    internalListener: (config) => ({ host: config.HOST, port: config.HEALTH_PORT }),
    build: (ctx, config) => ({ components: [workerComponent(opts.createWorker(ctx, config), config)] }),
  });
}
