import type { UsageRepository } from "@ai-jobs/llm";
import type { Embedder } from "@ai-jobs/retrieval";
import type { Metrics, TokenBudgets } from "@ai-jobs/runtime";
import type { TokenCounter } from "./chunking/tokenizer.js";
import type { ChunkRepository } from "./data/chunks.js";
import type { DocumentRepository } from "./data/documents.js";
import type { MaterialsStore } from "./data/materials-store.js";
import type { Summarizer } from "./summary/summarizer.js";

export interface IngestorDeps {
  documents: DocumentRepository;
  chunks: ChunkRepository;
  materials: MaterialsStore;
  embedder: Embedder;
  summarizer: Summarizer;
  /** Where an attempt's summary tokens are recorded (`llm_usage`), counted, and charged to the tenant's budget. */
  usage: UsageRepository;
  metrics: Pick<Metrics, "llmTokens">;
  budgets: TokenBudgets;
  /** Chunk size and overlap in tokens, as `countTokens` counts them. */
  chunking: { size: number; overlap: number };
  countTokens: TokenCounter;
  /** Larger files fail for good. */
  maxFileBytes: number;
  /** A DOCX that decompresses to more fails for good (zip bomb). */
  maxDecompressedBytes: number;
  /** A new, unique, sortable id for each chunk generation. */
  ids: () => string;
}
