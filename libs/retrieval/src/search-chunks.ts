import type { ChunkStore, SearchableChunk } from "./chunk-store.js";
import { cosineSimilarity } from "./cosine.js";
import type { Embedder } from "./embedder.js";

export interface SearchChunksInput {
  store: ChunkStore;
  /** Must be the embedder the chunks were ingested with (same name): other chunks are not compared. */
  embedder: Embedder;
  tenantId: string;
  planId: string;
  query: string;
  k: number;
  signal: AbortSignal;
}

export interface ChunkHit {
  chunkId: string;
  documentId: string;
  text: string;
  /** Cosine similarity to the query, in [-1, 1]; hits are sorted by it, highest first. */
  score: number;
  heading: string | null;
  page: number | null;
}

/** A concurrent re-ingest can flip a document's generation during a read; after this many tries the read fails. */
const MAX_READS = 5;

/**
 * The top `k` chunks of a plan for `query`, by cosine similarity of embeddings (exact scan, bounded memory: only
 * the best `k` are kept). The gateway's search route and the planner's RAG both call this.
 *
 * Only each document's active generation is read, and the read is validated afterwards (a seqlock): if any
 * document's `activeGeneration` changed while its chunks were being read, the read is repeated. Since the ingestor
 * writes a whole new generation before flipping the pointer, and deletes the old one only after the flip, a read
 * that saw the same generation before and after saw all of it: never half an old set or half a new one.
 */
export async function searchChunks(input: SearchChunksInput): Promise<ChunkHit[]> {
  const { store, embedder, tenantId, planId, k, signal } = input;
  const [queryVector] = await embedder.embed([input.query], { signal });
  if (!queryVector) throw new Error(`embedder ${embedder.name} returned no vector for the query`);
  for (let read = 1; ; read++) {
    signal.throwIfAborted();
    const before = await store.activeGenerations(tenantId, planId);
    if (before.size === 0) return [];
    const top: ChunkHit[] = [];
    for await (const chunk of store.scanChunks(tenantId, planId, embedder.name, [...new Set(before.values())])) {
      if (before.get(chunk.documentId) !== chunk.generation) continue;
      keepTop(top, toHit(chunk, cosineSimilarity(queryVector, chunk.embedding)), k);
    }
    const after = await store.activeGenerations(tenantId, planId);
    if ([...before].every(([doc, generation]) => after.get(doc) === generation)) return top;
    if (read >= MAX_READS) throw new Error(`plan ${planId} kept changing during search; try again`);
  }
}

function toHit(chunk: SearchableChunk, score: number): ChunkHit {
  return {
    chunkId: chunk._id,
    documentId: chunk.documentId,
    text: chunk.text,
    score,
    heading: chunk.metadata.heading,
    page: chunk.metadata.page ?? null,
  };
}

/** Inserts `hit` into `top` (sorted, best first; ties by chunk id for a stable order), keeping at most `k`. */
function keepTop(top: ChunkHit[], hit: ChunkHit, k: number): void {
  const worse = (a: ChunkHit, b: ChunkHit) => a.score < b.score || (a.score === b.score && a.chunkId > b.chunkId);
  if (top.length >= k && !worse(top[top.length - 1] as ChunkHit, hit)) return;
  let i = top.length;
  while (i > 0 && worse(top[i - 1] as ChunkHit, hit)) i--;
  top.splice(i, 0, hit);
  if (top.length > k) top.pop();
}
