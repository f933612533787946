import {
  createIdGenerator,
  httpComponent,
  loadConfig,
  runService,
  type ServiceComponent,
  type ServiceContext,
} from "@ai-jobs/runtime";
import { buildApp } from "./app.js";
import { configShape, type GatewayConfig } from "./config.js";
import { createQueueSampleStore } from "./data/queue-samples.js";
import { readQueueOverview } from "./data/queue-stats.js";
import { startQueueSampler } from "./domain/queue-sampler.js";

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
      components: [queueSampler(ctx, config), httpComponent(app, { host: config.HOST, port: config.PORT })],
      // The internal /health: dependencies and queue depths, never on the public port.
      health: async () => {
        const view = await health.report();
        return { ok: view.status === "ok", body: view };
      },
    };
  },
});

/** Samples the queue figures into the last hour's history (`GET /api/ai/queues/history/`) while the gateway runs. */
function queueSampler(ctx: ServiceContext, config: GatewayConfig): ServiceComponent {
  let sampler: { stop(): Promise<void> } | undefined;
  return {
    name: "queue-sampler",
    start() {
      sampler = startQueueSampler({
        store: createQueueSampleStore(ctx.mongo.db),
        read: () => readQueueOverview({ jsm: ctx.nats.jsm, collections: ctx.mongo.collections }),
        intervalMs: config.QUEUE_SAMPLE_INTERVAL_MS,
        log: ctx.log,
      });
    },
    stop: () => sampler?.stop(),
  };
}
