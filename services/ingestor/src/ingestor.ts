import { createLlmDeps, createUsageRepository } from "@ai-jobs/llm";
import { createEmbedder, type Embedder, type EmbeddingConfig } from "@ai-jobs/retrieval";
import {
  createIdGenerator,
  createTokenBudgets,
  defineWorkerService,
  type Logger,
  type ServiceContext,
  type Telemetry,
  type TokenBudgetSettings,
  type TokenBudgets,
  type WorkerRunOptions,
} from "@ai-jobs/runtime";
import { createTokenCounter } from "./chunking/tokenizer.js";
import type { IngestorConfig } from "./config.js";
import { createChunkRepository } from "./data/chunks.js";
import { createDocumentRepository } from "./data/documents.js";
import { createMaterialsStore } from "./data/materials-store.js";
import type { IngestorDeps } from "./deps.js";
import { materialIngest } from "./jobs/material-ingest.js";
import { createExtractiveSummarizer } from "./summary/extractive.js";
import { createLlmSummarizer } from "./summary/llm-summarizer.js";
import type { Summarizer } from "./summary/summarizer.js";

export type IngestSettings = Pick<
  IngestorConfig,
  | keyof EmbeddingConfig
  | keyof TokenBudgetSettings
  | "LLM_CONCURRENCY"
  | "CHUNK_SIZE_TOKENS"
  | "CHUNK_OVERLAP_TOKENS"
  | "INGEST_MAX_FILE_BYTES"
  | "INGEST_MAX_DECOMPRESSED_BYTES"
  | "SUMMARY_MODEL"
  | "SUMMARY_INPUT_CHARS"
  | "SUMMARY_TIMEOUT_MS"
>;

/** What the ingestor is run with besides its worker's slots. */
export interface IngestorOptions {
  settings: IngestSettings;
  /** Default: from settings (OpenAI with a key, else the offline hashing embedder). */
  embedder?: Embedder;
}

export type IngestorWorkerOptions = IngestorOptions & WorkerRunOptions;

/** What a summary's model call is made with besides the settings: built once per process. */
export interface SummaryServices {
  log: Logger;
  tracer: Telemetry["tracer"];
  budgets: Pick<TokenBudgets, "check">;
}

/**
 * LLM summaries with a key (through libs/llm, checked against the tenant's token budget, falling back to extractive
 * ones), extractive ones offline. Temperature and length are the summary's own: a few factual sentences.
 */
export function createSummarizer(settings: IngestSettings, services: SummaryServices): Summarizer {
  if (!settings.OPENAI_API_KEY) return createExtractiveSummarizer();
  return createLlmSummarizer({
    llm: createLlmDeps(
      { apiKey: settings.OPENAI_API_KEY, baseURL: settings.OPENAI_BASE_URL, concurrency: settings.LLM_CONCURRENCY },
      services.tracer,
    ),
    budgets: services.budgets,
    settings: { model: settings.SUMMARY_MODEL, temperature: 0.3, maxTokens: 400 },
    inputChars: settings.SUMMARY_INPUT_CHARS,
    timeoutMs: settings.SUMMARY_TIMEOUT_MS,
    log: services.log,
  });
}

/** Everything the ingestor's job types need, from a booted service and the options. */
function ingestorDeps(ctx: ServiceContext, { settings, embedder }: IngestorOptions): IngestorDeps {
  const budgets = createTokenBudgets(ctx.nats, settings);
  return {
    documents: createDocumentRepository(ctx.mongo.collections),
    chunks: createChunkRepository(ctx.mongo.collections),
    materials: createMaterialsStore(ctx.nats.js),
    embedder: embedder ?? createEmbedder(settings),
    summarizer: createSummarizer(settings, { log: ctx.log, tracer: ctx.telemetry.tracer, budgets }),
    usage: createUsageRepository(ctx.mongo.db),
    metrics: ctx.metrics,
    budgets,
    chunking: { size: settings.CHUNK_SIZE_TOKENS, overlap: settings.CHUNK_OVERLAP_TOKENS },
    countTokens: createTokenCounter(),
    maxFileBytes: settings.INGEST_MAX_FILE_BYTES,
    maxDecompressedBytes: settings.INGEST_MAX_DECOMPRESSED_BYTES,
    ids: createIdGenerator(),
  };
}

/** The ingestor: the `ingest` queue's job types, one file each under `jobs/`. */
export const ingestor = defineWorkerService({
  name: "ingestor",
  jobs: [materialIngest],
  deps: ingestorDeps,
});
