import type { ChunkRecord } from "@ai-jobs/contracts";
import { bulkWriteInSlices, type Collections } from "@ai-jobs/runtime";

export interface ChunkRepository {
  /** Which of `hashes` already have a vector from `embedder` in the plan (any document, active or not). */
  knownHashes(tenantId: string, planId: string, embedder: string, hashes: string[]): Promise<Set<string>>;
  /** hash → vector for `hashes` (each must be known). */
  vectorsOf(tenantId: string, planId: string, embedder: string, hashes: string[]): Promise<Map<string, number[]>>;
  /** Writes chunks of a generation that is not active yet: readers do not see them. */
  insert(chunks: ChunkRecord[]): Promise<void>;
  /** Deletes every chunk of the document outside generation `keep`: the replaced set, and leftovers of crashed attempts. */
  deleteOtherGenerations(tenantId: string, documentId: string, keep: string): Promise<number>;
}

export function createChunkRepository(c: Pick<Collections, "chunks">): ChunkRepository {
  return {
    async knownHashes(tenantId, planId, embedder, hashes) {
      if (hashes.length === 0) return new Set();
      const found = await c.chunks
        .find({ tenantId, planId, embedder, contentHash: { $in: hashes } }, { projection: { contentHash: 1 } })
        .toArray();
      return new Set(found.map((f) => f.contentHash));
    },
    async vectorsOf(tenantId, planId, embedder, hashes) {
      const vectors = new Map<string, number[]>();
      if (hashes.length === 0) return vectors;
      const found = c.chunks.find(
        { tenantId, planId, embedder, contentHash: { $in: hashes } },
        { projection: { contentHash: 1, embedding: 1 } },
      );
      for await (const f of found) vectors.set(f.contentHash, f.embedding);
      return vectors;
    },
    async insert(chunks) {
      // Upserts by id: a repeated write of the same generation (a retried batch) replaces instead of failing.
      await bulkWriteInSlices(
        c.chunks,
        chunks.map((chunk) => ({ replaceOne: { filter: { _id: chunk._id }, replacement: chunk, upsert: true } })),
        { ordered: false },
      );
    },
    async deleteOtherGenerations(tenantId, documentId, keep) {
      const { deletedCount } = await c.chunks.deleteMany({ tenantId, documentId, generation: { $ne: keep } });
      return deletedCount;
    },
  };
}
