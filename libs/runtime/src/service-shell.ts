import type { BaseConfig } from "./config.js";
import {
  closeInternalServer,
  type InternalServerOptions,
  mongoCheck,
  natsCheck,
  type ReadinessChecks,
  startInternalServer,
} from "./health.js";
import { packageVersion } from "./package-version.js";
import { bootService, closeService, type ServiceContext } from "./service.js";
import { handleShutdown } from "./shutdown.js";

/** A part of a service with a life of its own: a worker, a consumer loop, an HTTP listener. */
export interface ServiceComponent {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/** What the shell tells a service's parts while they are built. */
export interface ServiceShell {
  /** NATS and MongoDB round trips: what a public `/readyz` checks. */
  readonly checks: ReadinessChecks;
  /** True once shutdown began: readiness fails first, so load balancers stop routing here. */
  draining(): boolean;
}

/** A service's parts, in start order (they stop in reverse), with what its internal listener adds. */
export interface ServiceParts {
  components: ServiceComponent[];
  /** Readiness checks beyond NATS and MongoDB. */
  checks?: ReadinessChecks;
  /** Replaces the internal `/health` body (the gateway's dependencies and queue depths). */
  health?: InternalServerOptions["health"];
}

export interface RunServiceOptions<C extends BaseConfig> {
  name: string;
  /** The service's package.json, for the version in traces and logs. */
  packageJson: URL;
  /** Reads the environment (inside the shell, so a bad setting is the one fatal boot line, not a stack trace). */
  config: () => C;
  /** Where the internal listener (probes, `/health`, `/metrics`) listens. */
  internalListener: (config: C) => { host: string; port: number };
  /** Builds the service's parts on the booted context. */
  build: (ctx: ServiceContext, config: C, shell: ServiceShell) => Promise<ServiceParts> | ServiceParts;
}

/**
 * Every service's life, in one place: read config, boot (telemetry, logs, metrics, NATS with provisioning, MongoDB),
 * open the internal listener (ready only once every component started), start the components in order, and on
 * SIGTERM or SIGINT fail readiness, stop the components in reverse order, close the listener and the connections.
 * A boot failure is one fatal JSON log line and exit code 1.
 */
export function runService<C extends BaseConfig>(opts: RunServiceOptions<C>): void {
  runMain(opts.name, async () => {
    const config = opts.config();
    const ctx = await bootService(opts.name, packageVersion(opts.packageJson), config);
    let draining = false;
    let started = false;
    const checks = { nats: natsCheck(ctx.nats.nc), mongo: mongoCheck(ctx.mongo.db) };
    const shell: ServiceShell = { checks, draining: () => draining };
    const parts = await opts.build(ctx, config, shell);
    const internal = await startInternalServer({
      ...opts.internalListener(config),
      checks: {
        ...checks,
        ...parts.checks,
        started: async () => {
          if (!started) throw new Error("starting");
        },
      },
      log: ctx.log,
      draining: shell.draining,
      metrics: ctx.metrics.registry,
      ...(parts.health ? { health: parts.health } : {}),
    });
    const running: ServiceComponent[] = [];
    handleShutdown(ctx.log, config.SHUTDOWN_TIMEOUT_MS, [
      {
        name: "fail readiness",
        run: () => {
          draining = true;
        },
      },
      ...[...parts.components].reverse().map((c) => ({
        name: `stop ${c.name}`,
        run: async () => {
          if (running.includes(c)) await c.stop();
        },
      })),
      { name: "close internal listener", run: () => closeInternalServer(internal) },
      { name: "close connections", run: () => closeService(ctx) },
    ]);
    for (const component of parts.components) {
      await component.start();
      running.push(component);
    }
    started = true;
    ctx.log.info({ components: parts.components.map((c) => c.name) }, `${opts.name} service ready`);
  });
}

/** Runs a service's main, turning a boot failure into one fatal JSON log line and exit code 1. */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(JSON.stringify({ level: "fatal", service, msg: "boot failed", err: String(err) }));
    process.exit(1);
  });
}

/** Names a part that already starts and stops (a consumer loop, a scheduler) as a component. */
export function component(
  name: string,
  part: { start(): Promise<void> | void; stop(): Promise<void> | void },
): ServiceComponent {
  return { name, start: () => part.start(), stop: () => part.stop() };
}

/**
 * An HTTP app as a component: it listens last and closes first (ending SSE streams, whose clients resume on another
 * replica, and waiting for the requests in flight).
 */
export function httpComponent(
  app: { listen(at: { host: string; port: number }): Promise<unknown>; close(): Promise<unknown> },
  at: { host: string; port: number },
): ServiceComponent {
  return {
    name: "http",
    start: async () => {
      await app.listen(at);
    },
    stop: async () => {
      await app.close();
    },
  };
}
