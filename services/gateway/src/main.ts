import {
  bootService,
  closeInternalServer,
  closeService,
  createIdGenerator,
  handleShutdown,
  loadConfig,
  packageVersion,
  startInternalServer,
} from "@ai-jobs/runtime";
import { buildApp } from "./app.js";
import { configShape } from "./config.js";

const config = loadConfig(configShape);
const ctx = await bootService("gateway", packageVersion(new URL("../package.json", import.meta.url)), config);
const app = await buildApp({
  config,
  log: ctx.log,
  messaging: ctx.messaging,
  events: ctx.events,
  nats: ctx.nats,
  mongo: ctx.mongo,
  ids: createIdGenerator(),
  metrics: ctx.metrics,
});
const { checks, health } = app.operations;
// Metrics and the health report with queue depths: only on the internal listener, never on the public port.
const internal = await startInternalServer({
  host: config.INTERNAL_HOST,
  port: config.INTERNAL_PORT,
  checks,
  log: ctx.log,
  draining: () => app.lifecycle.draining,
  metrics: ctx.metrics.registry,
  health: async () => {
    const view = await health.report();
    return { ok: view.status === "ok", body: view };
  },
});

handleShutdown(ctx.log, config.SHUTDOWN_TIMEOUT_MS, [
  {
    name: "stop accepting requests",
    run: async () => {
      app.lifecycle.draining = true;
      // Ends proxied SSE streams (clients resume elsewhere) and waits for in-flight requests.
      await app.close();
    },
  },
  { name: "close internal listener", run: () => closeInternalServer(internal) },
  { name: "close nats, mongodb and telemetry", run: () => closeService(ctx) },
]);

await app.listen({ port: config.PORT, host: config.HOST });
