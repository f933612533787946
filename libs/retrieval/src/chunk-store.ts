import type { ChunkRecord } from "@ai-jobs/contracts";
import type { Collections } from "@ai-jobs/runtime";

export type SearchableChunk = Pick<
  ChunkRecord,
  "_id" | "documentId" | "generation" | "index" | "text" | "embedding" | "metadata"
>;

/** What search reads. Injected, so the planner (RAG), the gateway (search route) and tests share one function. */
export interface ChunkStore {
  /** documentId → its active chunk generation, for every document of the plan that has one. */
  activeGenerations(tenantId: string, planId: string): Promise<Map<string, string>>;
  /** Chunks of the plan made by `embedder` and belonging to one of `generations`, streamed. */
  scanChunks(tenantId: string, planId: string, embedder: string, generations: string[]): AsyncIterable<SearchableChunk>;
}

/** The store over the `documents` and `chunks` collections (MongoDB, or FerretDB in tests). */
export function createMongoChunkStore(c: Pick<Collections, "documents" | "chunks">): ChunkStore {
  return {
    async activeGenerations(tenantId, planId) {
      const docs = await c.documents
        .find({ tenantId, planId, activeGeneration: { $type: "string" } }, { projection: { activeGeneration: 1 } })
        .toArray();
      return new Map(docs.flatMap((d) => (d.activeGeneration ? [[d._id, d.activeGeneration] as const] : [])));
    },
    scanChunks(tenantId, planId, embedder, generations) {
      return c.chunks.find(
        { tenantId, planId, embedder, generation: { $in: generations } },
        {
          projection: { _id: 1, documentId: 1, generation: 1, index: 1, text: 1, embedding: 1, metadata: 1 },
          batchSize: 200,
        },
      );
    },
  };
}
