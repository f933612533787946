import type { ApiKeyRecord, Collections } from "@ai-jobs/runtime";

/** A tenant's key as listed: its record and when it was last used (kept apart, see `ApiKeyUse`). */
export interface ListedApiKey {
  key: ApiKeyRecord;
  lastUsedAt: Date | null;
}

/** `api_keys` and `api_key_uses`, for the key management routes. Every query carries the tenant id. */
export interface ApiKeyRepository {
  insert(record: ApiKeyRecord): Promise<void>;
  /** Newest first, at most `limit`, each with its last use. */
  list(tenantId: string, limit: number): Promise<ListedApiKey[]>;
  find(tenantId: string, keyId: string): Promise<ApiKeyRecord | null>;
  revoke(tenantId: string, keyId: string, at: Date): Promise<void>;
  /** Keys neither revoked nor expired at `at`. */
  countLive(tenantId: string, at: Date): Promise<number>;
}

export function createApiKeyRepository(c: Pick<Collections, "apiKeys" | "apiKeyUses">): ApiKeyRepository {
  return {
    async insert(record) {
      await c.apiKeys.insertOne(record);
    },
    async list(tenantId, limit) {
      const found = await c.apiKeys.find({ tenantId }).sort({ createdAt: -1 }).limit(limit).toArray();
      const used = await c.apiKeyUses.find({ _id: { $in: found.map((k) => k._id) } }).toArray();
      const lastUse = new Map(used.map((u) => [u._id, u.lastUsedAt]));
      return found.map((key) => ({ key, lastUsedAt: lastUse.get(key._id) ?? null }));
    },
    find: (tenantId, keyId) => c.apiKeys.findOne({ _id: keyId, tenantId }),
    async revoke(tenantId, keyId, at) {
      await c.apiKeys.updateOne({ _id: keyId, tenantId }, { $set: { revokedAt: at } });
    },
    countLive: (tenantId, at) =>
      c.apiKeys.countDocuments({ tenantId, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: at } }] }),
  };
}
