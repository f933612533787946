export { type ChunkStore, createMongoChunkStore, type SearchableChunk } from "./chunk-store.js";
export { cosineSimilarity } from "./cosine.js";
export { looksLikeText, SNIFF_BYTES, sniffDocumentKind } from "./document-kind.js";
export { type BatchListener, batchCount, type Embedder, type EmbedOptions } from "./embedder.js";
export { createEmbedder, type EmbeddingConfig, embeddingConfigShape } from "./embedder-config.js";
export { createHashingEmbedder, embedText, fnv1a } from "./hashing-embedder.js";
export { createOpenAiEmbedder, type OpenAiEmbedderOptions } from "./openai-embedder.js";
export { type ChunkHit, type SearchChunksInput, searchChunks } from "./search-chunks.js";
export { abortableSleep } from "./sleep.js";
