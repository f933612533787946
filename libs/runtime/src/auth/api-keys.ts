import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Collection } from "mongodb";
import type { Principal, Role } from "./principal.js";

/** What a key may do; each maps to the role the key acts with. */
export const API_KEY_SCOPES = ["read", "write", "manage"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
const ROLE_OF_SCOPE: Readonly<Record<ApiKeyScope, Role>> = { read: "viewer", write: "member", manage: "owner" };

/** A document of `api_keys`: only the SHA-256 of the secret is stored; `_id` is the key's public prefix id. */
export interface ApiKeyRecord {
  _id: string;
  tenantId: string;
  name: string;
  scopes: ApiKeyScope[];
  /** Hex SHA-256 of the secret part. */
  hash: string;
  /** The user who created it: the key acts on their behalf (a `write` key acts on the jobs they submitted). */
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/**
 * A key's last use, in `api_key_uses` under the key's id: apart from its record, so that the frequent use writes
 * never touch the record a revocation writes. FerretDB applies an update by rewriting the whole document, so a use
 * written at the same moment as a revocation could otherwise write the revocation away.
 */
export interface ApiKeyUse {
  _id: string;
  lastUsedAt: Date;
}

const PREFIX = "aij";
const KEY = /^aij_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
/** Last-used times are written at most this often per key, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** A new key: `aij_<16-char prefix id>_<32 random bytes, base64url>`; the caller stores the hash, shows the key once. */
export function generateApiKey(): { id: string; key: string; hash: string } {
  const id = randomBytes(10).toString("hex").slice(0, 16);
  const secret = randomBytes(32).toString("base64url");
  return { id, key: `${PREFIX}_${id}_${secret}`, hash: sha256(secret) };
}

/** The key's prefix id and secret, or undefined when the token is not shaped like an API key. */
export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const m = KEY.exec(token);
  return m?.[1] && m[2] ? { id: m[1], secret: m[2] } : undefined;
}

export const isApiKeyShaped = (token: string): boolean => token.startsWith(`${PREFIX}_`);

/** The strongest role a key's scopes give (a key never acts as an admin). */
export function roleOfScopes(scopes: readonly ApiKeyScope[]): Role {
  for (const scope of ["manage", "write", "read"] as const) if (scopes.includes(scope)) return ROLE_OF_SCOPE[scope];
  return "viewer";
}

export type ApiKeyVerifier = (token: string) => Promise<Principal | undefined>;

/**
 * Checks an API key: found by `_id` (the prefix id, so the lookup uses the primary index), hash compared in constant
 * time, not revoked, not expired. A use is recorded in `api_key_uses` in the background, at most once per
 * LAST_USED_RESOLUTION_MS per key and replica (remembered here, so recording costs no read).
 */
export function createApiKeyVerifier(
  store: { keys: Collection<ApiKeyRecord>; uses: Collection<ApiKeyUse> },
  opts: { now?: () => Date; onError?: (err: unknown) => void } = {},
): ApiKeyVerifier {
  const now = opts.now ?? (() => new Date());
  const recorded = new Map<string, number>();
  const { keys, uses } = store;
  return async (token) => {
    const parsed = parseApiKey(token);
    if (!parsed) return undefined;
    const record = await keys.findOne({ _id: parsed.id });
    if (!record) return undefined;
    const given = Buffer.from(sha256(parsed.secret), "hex");
    const stored = Buffer.from(record.hash, "hex");
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined;
    const at = now();
    if (record.revokedAt || (record.expiresAt && record.expiresAt.getTime() <= at.getTime())) return undefined;
    const last = recorded.get(record._id);
    if (last === undefined || at.getTime() - last >= LAST_USED_RESOLUTION_MS) {
      recorded.set(record._id, at.getTime());
      uses
        .updateOne({ _id: record._id }, { $set: { lastUsedAt: at } }, { upsert: true })
        .catch((err: unknown) => opts.onError?.(err));
    }
    return {
      tenantId: record.tenantId,
      userId: record.createdBy,
      role: roleOfScopes(record.scopes),
      keyId: record._id,
    };
  };
}
