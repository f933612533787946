import { type ChunkStore, type Embedder, searchChunks } from "@ai-jobs/retrieval";
import type { RetrieveContext } from "../deps.js";

/** A slow embeddings API must not hold a plan job beyond its own timeout's reach. */
const RETRIEVAL_TIMEOUT_MS = 30_000;

/**
 * RAG over the plan's ingested materials: the top k chunks for the query, by the same `searchChunks` the gateway's
 * search route uses, with the embedder the ingestor stored them with.
 */
export function materialsRetriever(store: ChunkStore, embedder: Embedder): RetrieveContext {
  return async (tenantId, planId, query, k) => {
    if (k === 0) return [];
    const hits = await searchChunks({
      store,
      embedder,
      tenantId,
      planId,
      query,
      k,
      signal: AbortSignal.timeout(RETRIEVAL_TIMEOUT_MS),
    });
    return hits.map((hit) => ({ id: hit.chunkId, text: hit.text }));
  };
}
