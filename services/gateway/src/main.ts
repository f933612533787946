import { createIdGenerator, httpComponent, loadConfig, runService } from "@ai-jobs/runtime";
import { buildApp } from "./app.js";
import { configShape } from "./config.js";

runService({
  name: "gateway",
  packageJson: new URL("../package.json", import.meta.url),
  config: () => loadConfig(configShape),
  internalListener: (config) => ({ host: config.INTERNAL_HOST, port: config.INTERNAL_PORT }),
  build: async (ctx, config) => {
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
    const { health } = app.operations;
    return {
      components: [httpComponent(app, { host: config.HOST, port: config.PORT })],
      // The internal /health: dependencies and queue depths, never on the public port.
      health: async () => {
        const view = await health.report();
        return { ok: view.status === "ok", body: view };
      },
    };
  },
});
