import { loadConfig, runWorkerService } from "@ai-jobs/runtime";
import { configShape } from "./config.js";
import { createIngestorWorker, SERVICE_NAME } from "./ingestor.js";

runWorkerService({
  name: SERVICE_NAME,
  packageJson: new URL("../package.json", import.meta.url),
  config: () => loadConfig(configShape),
  createWorker: (ctx, config) =>
    createIngestorWorker(ctx, {
      concurrency: config.WORKER_CONCURRENCY,
      instanceId: config.SERVICE_INSTANCE_ID,
      settings: config,
    }),
});
