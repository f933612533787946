import { ERROR_CODES } from "@ai-jobs/contracts";
import {
  API_KEY_SCOPES,
  type ApiKeyRecord,
  generateApiKey,
  invalid,
  notFound,
  tooManyRequests,
} from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ApiKeyRepository } from "../data/api-keys.js";

export interface ApiKeyRoutesOptions {
  keys: ApiKeyRepository;
  /** `API_KEYS_MAX_PER_TENANT`: live keys a tenant may hold (0: no limit). */
  maxPerTenant: number;
  now?: () => Date;
}

export const CreateApiKeyRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length),
    /** ISO time with offset; omitted: the key does not expire. */
    expires_at: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(API_KEY_SCOPES)),
  /** What the key starts with, to tell keys apart; the secret itself is shown once, at creation. */
  prefix: z.string(),
  created_by: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
/** The answer to the POST: the key's view and its secret, `key`. */
export const CreatedApiKeyView = ApiKeyView.extend({ key: z.string() });
export const ApiKeyListView = z.object({ items: z.array(ApiKeyView) });

/** Keys listed per page at most (a tenant has a handful). */
const MAX_KEYS = 200;
/** The key cap frees only when the tenant revokes a key (or one expires): an hour keeps clients from polling it. */
const KEY_CAP_RETRY_AFTER_S = 3_600;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toView = (k: ApiKeyRecord, lastUsedAt: Date | null = null) => ({
  id: k._id,
  name: k.name,
  scopes: k.scopes,
  prefix: `aij_${k._id}_`,
  created_by: k.createdBy,
  created_at: k.createdAt.toISOString(),
  expires_at: iso(k.expiresAt),
  last_used_at: iso(lastUsedAt),
  revoked_at: iso(k.revokedAt),
});

/**
 * `/api-keys/`: a tenant's API keys, for owners and admins (`manage`). The secret is shown once, in the answer to
 * the POST; only its SHA-256 is stored. DELETE revokes (the record stays, for the audit of who had what).
 */
export const apiKeyRoutes: FastifyPluginAsyncZod<ApiKeyRoutesOptions> = async (app, opts) => {
  const now = opts.now ?? (() => new Date());
  const config = { access: "manage" as const };

  app.post(
    "/api-keys",
    { config, schema: { body: CreateApiKeyRequest, response: { 201: CreatedApiKeyView } } },
    async (request, reply) => {
      const { body } = request;
      const at = now();
      const expiresAt = body.expires_at ? new Date(body.expires_at) : null;
      if (expiresAt && expiresAt.getTime() <= at.getTime()) throw invalid("expires_at", "must be in the future");
      await assertUnderKeyCap(opts, request.principal.tenantId, at);
      const { id, key, hash } = generateApiKey();
      const record: ApiKeyRecord = {
        _id: id,
        tenantId: request.principal.tenantId,
        name: body.name,
        scopes: [...new Set(body.scopes)],
        hash,
        createdBy: request.principal.userId,
        createdAt: at,
        expiresAt,
        revokedAt: null,
      };
      await opts.keys.insert(record);
      return reply
        .code(201)
        .header("cache-control", "no-store")
        .send({ ...toView(record), key });
    },
  );

  app.get("/api-keys", { config, schema: { response: { 200: ApiKeyListView } } }, async (request) => {
    const found = await opts.keys.list(request.principal.tenantId, MAX_KEYS);
    return { items: found.map(({ key, lastUsedAt }) => toView(key, lastUsedAt)) };
  });

  const revoke = { params: z.object({ key_id: z.string() }) };
  app.delete("/api-keys/:key_id", { config, schema: revoke }, async (request, reply) => {
    const { tenantId } = request.principal;
    const key = await opts.keys.find(tenantId, request.params.key_id);
    // Another tenant's key answers like a missing one.
    if (!key) throw notFound("API key");
    if (!key.revokedAt) await opts.keys.revoke(tenantId, key._id, now());
    return reply.code(204).send();
  });
};

/**
 * 429 once the tenant holds its cap of live keys: every key is a credential to audit and revoke, and a record in the
 * store. Counted, then inserted: concurrent creations may pass the cap together, by at most their number.
 */
async function assertUnderKeyCap(opts: ApiKeyRoutesOptions, tenantId: string, at: Date): Promise<void> {
  if (opts.maxPerTenant === 0) return;
  const live = await opts.keys.countLive(tenantId, at);
  if (live < opts.maxPerTenant) return;
  throw tooManyRequests(
    ERROR_CODES.quotaExceeded,
    `limit API_KEYS_MAX_PER_TENANT: this tenant holds ${live} live API keys, its cap is ${opts.maxPerTenant}; ` +
      "revoke one first",
    KEY_CAP_RETRY_AFTER_S,
  );
}
