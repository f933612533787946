import { ensureUsageIndexes } from "@ai-jobs/llm";
import { createEmbedder, createMongoChunkStore } from "@ai-jobs/retrieval";
import { loadConfig, runWorkerService } from "@ai-jobs/runtime";
import { configShape } from "./config.js";
import { materialsRetriever } from "./data/materials-retriever.js";
import { planner } from "./planner.js";
import { providerFromConfig } from "./providers/select.js";

runWorkerService(planner, {
  packageJson: new URL("../package.json", import.meta.url),
  config: () => loadConfig(configShape),
  options: (ctx, config) => {
    const provider = providerFromConfig(config, ctx.telemetry.tracer);
    ctx.log.info(
      { provider: provider.name, base_url: config.OPENAI_BASE_URL ?? null, llm_concurrency: config.LLM_CONCURRENCY },
      config.OPENAI_API_KEY ? "planner uses an OpenAI-compatible model" : "planner uses the offline provider",
    );
    void ensureUsageIndexes(ctx.mongo.db).catch((err: unknown) =>
      ctx.log.warn({ err }, "could not create the llm_usage indexes"),
    );
    return {
      contextK: config.RAG_TOP_K,
      limits: config,
      provider,
      retrieveContext: materialsRetriever(createMongoChunkStore(ctx.mongo.collections), createEmbedder(config)),
    };
  },
});
