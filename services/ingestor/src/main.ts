import { loadConfig, runWorkerService } from "@ai-jobs/runtime";
import { configShape } from "./config.js";
import { ingestor } from "./ingestor.js";

runWorkerService(ingestor, {
  packageJson: new URL("../package.json", import.meta.url),
  config: () => loadConfig(configShape),
  options: (_ctx, config) => ({ settings: config }),
});
