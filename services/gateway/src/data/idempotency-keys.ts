import { type Collections, type IdempotencyRecord, isDuplicateKey } from "@ai-jobs/runtime";

/** The `idempotency_keys` collection: one record per tenant and key, `_id = <tenantId>:<key>`. */
export interface IdempotencyKeyRepository {
  /** Inserts the record; false when the key is taken already (the unique `_id`), whoever took it. */
  claim(record: IdempotencyRecord): Promise<boolean>;
  find(id: string): Promise<IdempotencyRecord | null>;
  /** Frees the key, but only while it still belongs to `jobId`. */
  release(id: string, jobId: string): Promise<void>;
}

export const idempotencyRecordId = (tenantId: string, key: string): string => `${tenantId}:${key}`;

export function createIdempotencyKeyRepository(c: Collections): IdempotencyKeyRepository {
  return {
    async claim(record) {
      try {
        await c.idempotencyKeys.insertOne(record);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    find(id) {
      return c.idempotencyKeys.findOne({ _id: id });
    },
    async release(id, jobId) {
      await c.idempotencyKeys.deleteOne({ _id: id, jobId });
    },
  };
}
