import { z } from "zod";
import type { Embedder } from "./embedder.js";
import { createHashingEmbedder } from "./hashing-embedder.js";
import { createOpenAiEmbedder } from "./openai-embedder.js";

/**
 * Embedding settings, shared by the ingestor (chunks) and the gateway (search queries): both must build the same
 * embedder, or the query and the chunks would live in different vector spaces (chunks record their embedder's name,
 * and search only compares vectors of the same name).
 */
export const embeddingConfigShape = {
  /** Unset: the offline hashing embedder (and extractive summaries). */
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  EMBEDDING_MODEL: z.string().min(1).default("text-embedding-3-small"),
  /** Vector size: the hashing embedder's buckets, or the `dimensions` sent to OpenAI. */
  EMBEDDING_DIM: z.coerce.number().int().min(8).max(4_096).default(256),
  EMBEDDING_BATCH_SIZE: z.coerce.number().int().min(1).max(2_048).default(96),
  EMBEDDING_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
} as const;

export type EmbeddingConfig = z.infer<z.ZodObject<typeof embeddingConfigShape>>;

export function createEmbedder(config: EmbeddingConfig): Embedder {
  if (!config.OPENAI_API_KEY) return createHashingEmbedder(config.EMBEDDING_DIM);
  return createOpenAiEmbedder({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    model: config.EMBEDDING_MODEL,
    dimensions: config.EMBEDDING_DIM,
    batchSize: config.EMBEDDING_BATCH_SIZE,
    maxRetries: config.EMBEDDING_MAX_RETRIES,
  });
}
