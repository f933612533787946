import type { ChunkRecord } from "@ai-jobs/contracts";
import { bulkWriteInSlices, type Collections } from "@ai-jobs/runtime";

export interface ChunksRepo {
  /** Creates or replaces each chunk by its deterministic id. */
  save(chunks: ChunkRecord[]): Promise<void>;
  /** Deletes a document's chunks with `index >= count`: what an earlier, longer ingest left. */
  deleteFrom(tenantId: string, documentId: string, count: number): Promise<void>;
}

export function createChunksRepo(c: Pick<Collections, "chunks">): ChunksRepo {
  return {
    async save(chunks) {
      await bulkWriteInSlices(
        c.chunks,
        chunks.map((chunk) => ({ replaceOne: { filter: { _id: chunk._id }, replacement: chunk, upsert: true } })),
        { ordered: false },
      );
    },
    async deleteFrom(tenantId, documentId, count) {
      await c.chunks.deleteMany({ tenantId, documentId, index: { $gte: count } });
    },
  };
}
