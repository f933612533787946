import { loadConfig, packageVersion, runMain, runWorkerService } from "@ai-jobs/runtime";
import { configShape } from "./config.js";
import { createPlannerWorker, SERVICE_NAME } from "./planner.js";
import { createOfflineProvider } from "./providers/offline.js";

runMain(SERVICE_NAME, async () => {
  const config = loadConfig(configShape);
  await runWorkerService({
    name: SERVICE_NAME,
    version: packageVersion(new URL("../package.json", import.meta.url)),
    config,
    createWorker: (ctx) => {
      if (config.OPENAI_API_KEY) {
        ctx.log.warn("OPENAI_API_KEY is set, but only the offline provider exists yet: using it");
      }
      return createPlannerWorker(ctx, {
        concurrency: config.WORKER_CONCURRENCY,
        instanceId: config.SERVICE_INSTANCE_ID,
        provider: createOfflineProvider({ stepDelayMs: config.OFFLINE_STEP_DELAY_MS }),
      });
    },
  });
});
