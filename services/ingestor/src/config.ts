import { llmConfigShape } from "@ai-jobs/llm";
import { embeddingConfigShape } from "@ai-jobs/retrieval";
import { baseConfigShape, listenHost, port, tokenBudgetConfigShape } from "@ai-jobs/runtime";
import { z } from "zod";

export const configShape = {
  ...baseConfigShape,
  ...embeddingConfigShape,
  /** Checked before a summary's model call (over it: the extractive summary), charged with what the call spent. */
  ...tokenBudgetConfigShape,
  /** Summary calls in flight per process, as in the planner. */
  LLM_CONCURRENCY: llmConfigShape.LLM_CONCURRENCY,
  HEALTH_PORT: port(8083),
  /** HEALTH_PORT is the worker's internal listener (probes, `/health`, `/metrics`); it binds HOST. */
  HOST: listenHost(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(2),
  /** Chunk size and overlap in cl100k_base tokens. */
  CHUNK_SIZE_TOKENS: z.coerce.number().int().min(32).max(8_000).default(400),
  CHUNK_OVERLAP_TOKENS: z.coerce.number().int().min(0).default(60),
  /** A stored file larger than this fails for good (the gateway's UPLOAD_MAX_BYTES is the first limit). */
  INGEST_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(64 * 1024 * 1024),
  /** A DOCX whose entries decompress to more than this is refused (zip bomb). */
  INGEST_MAX_DECOMPRESSED_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(128 * 1024 * 1024),
  /** Chat model of LLM summaries (used only with OPENAI_API_KEY). */
  SUMMARY_MODEL: z.string().min(1).default("gpt-4.1-nano"),
  /** Characters of a document's start sent to the summary model. */
  SUMMARY_INPUT_CHARS: z.coerce.number().int().min(500).default(24_000),
  /** One summary call's time limit (the job's is 300 s): past it the attempt is retried, or falls back on its last. */
  SUMMARY_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(240_000).default(60_000),
} as const;

export type IngestorConfig = Readonly<z.infer<z.ZodObject<typeof configShape>>>;
