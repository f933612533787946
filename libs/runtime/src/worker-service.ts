import type { BaseConfig } from "./config.js";
import { closeInternalServer, mongoCheck, natsCheck, startInternalServer } from "./health.js";
import { bootService, closeService, type ServiceContext } from "./service.js";
import { handleShutdown } from "./shutdown.js";
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
 * The whole life of a worker service (planner, ingestor): boot, the internal listener on HOST:HEALTH_PORT (`/healthz`,
 * `/readyz` over NATS, MongoDB, worker running and not draining, `/health` with the details, `/metrics`), start the
 * worker, and on SIGTERM: fail readiness, drain the worker, close everything.
 */
export async function runWorkerService(opts: {
  name: string;
  version: string;
  config: WorkerServiceConfig;
  /** Usually `createServiceWorker`, which hands `ctx.jobSettings` (`JOBS_ACK_WAIT_MS`, `JOB_TIMEOUTS_MS`) on. */
  createWorker: (ctx: ServiceContext) => Worker;
}): Promise<void> {
  const { config } = opts;
  const ctx = await bootService(opts.name, opts.version, config);
  let started = false;
  let draining = false;
  const health = await startInternalServer({
    host: config.HOST,
    port: config.HEALTH_PORT,
    checks: {
      nats: natsCheck(ctx.nats.nc),
      mongo: mongoCheck(ctx.mongo.db),
      worker: async () => {
        if (!started) throw new Error("worker not started");
      },
    },
    log: ctx.log,
    draining: () => draining,
    metrics: ctx.metrics.registry,
  });
  const worker = opts.createWorker(ctx);
  await worker.start();
  started = true;

  handleShutdown(ctx.log, config.SHUTDOWN_TIMEOUT_MS, [
    {
      name: "stop readiness",
      run: () => {
        draining = true;
      },
    },
    { name: "drain worker", run: () => worker.stop(Math.max(1_000, config.SHUTDOWN_TIMEOUT_MS - SHUTDOWN_MARGIN_MS)) },
    { name: "close health server", run: () => closeInternalServer(health) },
    { name: "close connections", run: () => closeService(ctx) },
  ]);
}

/** Runs a service's main, turning a boot failure into one fatal JSON log line and exit code 1. */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(JSON.stringify({ level: "fatal", service, msg: "boot failed", err: String(err) }));
    process.exit(1);
  });
}
