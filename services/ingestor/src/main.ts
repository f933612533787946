import { loadConfig, packageVersion, runMain, runWorkerService } from "@ai-jobs/runtime";
import { configShape } from "./config.js";
import { createIngestorWorker, SERVICE_NAME } from "./ingestor.js";

runMain(SERVICE_NAME, async () => {
  const config = loadConfig(configShape);
  await runWorkerService({
    name: SERVICE_NAME,
    version: packageVersion(new URL("../package.json", import.meta.url)),
    config,
    createWorker: (ctx) =>
      createIngestorWorker(ctx, {
        concurrency: config.WORKER_CONCURRENCY,
        instanceId: config.SERVICE_INSTANCE_ID,
        settings: config,
      }),
  });
});
