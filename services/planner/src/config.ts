import { llmConfigShape } from "@ai-jobs/llm";
import { embeddingConfigShape } from "@ai-jobs/retrieval";
import { baseConfigShape, listenHost, port, storageQuotaConfigShape, tokenBudgetConfigShape } from "@ai-jobs/runtime";
import { z } from "zod";

export const configShape = {
  ...baseConfigShape,
  /** OPENAI_API_KEY unset: the deterministic offline provider runs (results labelled `provider: offline`). */
  ...llmConfigShape,
  /** RAG embeds the query with the ingestor's embedder: the same EMBEDDING_* settings as the ingestor and gateway. */
  ...embeddingConfigShape,
  /** Checked before each job that calls the model, charged with what its calls spent (the gateway checks at submit). */
  ...tokenBudgetConfigShape,
  /** EXPORT_QUOTA_BYTES is checked before an export runs and charged with its file (UPLOAD_* is the gateway's). */
  ...storageQuotaConfigShape,
  HEALTH_PORT: port(8082),
  /** HEALTH_PORT is the worker's internal listener (probes, `/health`, `/metrics`); it binds HOST. */
  HOST: listenHost(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** Chunks of a plan's materials a prompt gets at most (RAG top k). */
  RAG_TOP_K: z.coerce.number().int().min(0).max(50).default(5),
  /** Simulated latency per drafted day of the offline provider, for demos, benchmarks and crash tests. */
  OFFLINE_STEP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
} as const;
