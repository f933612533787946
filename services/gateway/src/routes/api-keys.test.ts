import { createHash } from "node:crypto";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { planBody, problemOf, startHarness } from "../../test/harness.js";

const SECRET = "api-keys-test-secret-of-at-least-32-bytes";
const h = useHarness(() => startHarness());
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app({ AUTH_JWT_SECRET: SECRET });
}, 120_000);

const as = async (sub: string, role: string, tenant = "acme") => {
  const claims: JWTPayload = { sub, tenant_id: tenant, role, exp: Math.floor(Date.now() / 1_000) + 300 };
  const token = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(SECRET));
  return { authorization: `Bearer ${token}` };
};
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

interface CreatedKey {
  id: string;
  key: string;
  scopes: string[];
  last_used_at: string | null;
}

async function createKey(scopes: string[], headers?: Record<string, string>, extra: object = {}) {
  const res = await app.inject({
    method: "POST",
    url: "/api/ai/api-keys/",
    headers: headers ?? (await as("olga", "owner")),
    payload: { name: "ci", scopes, ...extra },
  });
  expect(res.statusCode).toBe(201);
  return res.json<CreatedKey>();
}

const listJobs = (headers: Record<string, string>) => app.inject({ method: "GET", url: "/api/ai/jobs/", headers });

describe("API keys", () => {
  it("shows the key once, stores only its SHA-256 under the prefix id, and authenticates with it", async () => {
    const created = await createKey(["read", "write"]);
    expect(created.key).toMatch(new RegExp(`^aij_${created.id}_[A-Za-z0-9_-]{43}$`));
    const stored = await h.ctx.mongo.collections.apiKeys.findOne({ _id: created.id });
    const secret = created.key.split("_").slice(2).join("_");
    expect(stored?.hash).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(secret);

    const list = await app.inject({ method: "GET", url: "/api/ai/api-keys/", headers: await as("olga", "owner") });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(secret);
    expect(list.json<{ items: { id: string }[] }>().items.map((k) => k.id)).toContain(created.id);

    expect((await listJobs(bearer(created.key))).statusCode).toBe(200);
    const submitted = await app.inject({
      method: "POST",
      url: "/api/ai/study-plans/generate/",
      headers: bearer(created.key),
      payload: planBody(),
    });
    expect(submitted.statusCode).toBe(202);
  });

  it("acts with the role of its scopes: a read key cannot write", async () => {
    const { key } = await createKey(["read"]);
    expect((await listJobs(bearer(key))).statusCode).toBe(200);
    const before = await h.counts();
    const res = await app.inject({
      method: "POST",
      url: "/api/ai/study-plans/generate/",
      headers: bearer(key),
      payload: planBody(),
    });
    expect(res.statusCode).toBe(403);
    expect(await h.counts()).toEqual(before);
  });

  it("records the last use at most once a minute", async () => {
    const { id, key } = await createKey(["read"]);
    const uses = h.ctx.mongo.collections.apiKeyUses;
    await listJobs(bearer(key));
    const first = await waitFor(async () => (await uses.findOne({ _id: id }))?.lastUsedAt ?? undefined);
    await listJobs(bearer(key));
    await listJobs(bearer(key));
    await new Promise((r) => setTimeout(r, 200));
    expect((await uses.findOne({ _id: id }))?.lastUsedAt?.getTime()).toBe(first.getTime());
    // The list shows it; the key's own record is never written by a use (a revocation cannot be written away).
    const listed = await app.inject({ method: "GET", url: "/api/ai/api-keys/", headers: await as("olga", "owner") });
    const item = (listed.json() as { items: Array<{ id: string; last_used_at: string | null }> }).items.find(
      (k) => k.id === id,
    );
    expect(item?.last_used_at).toBe(first.toISOString());
  });

  it("refuses a revoked key, an expired key and a wrong secret with 401 invalid_token", async () => {
    const revoked = await createKey(["read"]);
    const del = await app.inject({
      method: "DELETE",
      url: `/api/ai/api-keys/${revoked.id}/`,
      headers: await as("olga", "owner"),
    });
    expect(del.statusCode).toBe(204);

    const expiring = await createKey(["read"]);
    await h.ctx.mongo.collections.apiKeys.updateOne(
      { _id: expiring.id },
      { $set: { expiresAt: new Date(Date.now() - 1_000) } },
    );
    const live = await createKey(["read"]);
    const wrongSecret = `${live.key.slice(0, -4)}AAAA`;
    for (const key of [revoked.key, expiring.key, wrongSecret, "aij_0000000000000000_x"]) {
      const res = await listJobs(bearer(key));
      expect(res.statusCode, key.slice(0, 24)).toBe(401);
      expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
    }
    expect((await listJobs(bearer(live.key))).statusCode).toBe(200);
  });

  it("is managed by owners and admins of the tenant only; another tenant's key is a 404", async () => {
    const before = await h.ctx.mongo.collections.apiKeys.countDocuments();
    for (const role of ["member", "viewer"]) {
      const headers = await as("mia", role);
      const res = await app.inject({
        method: "POST",
        url: "/api/ai/api-keys/",
        headers,
        payload: { name: "x", scopes: ["read"] },
      });
      expect(res.statusCode, role).toBe(403);
      expect(problemOf(res).code).toBe("FORBIDDEN");
      expect((await app.inject({ method: "GET", url: "/api/ai/api-keys/", headers })).statusCode).toBe(403);
    }
    expect(await h.ctx.mongo.collections.apiKeys.countDocuments()).toBe(before);

    const acme = await createKey(["read"], await as("root", "admin"));
    const globex = await as("gus", "owner", "globex");
    const res = await app.inject({ method: "DELETE", url: `/api/ai/api-keys/${acme.id}/`, headers: globex });
    expect(res.statusCode).toBe(404);
    const listed = await app.inject({ method: "GET", url: "/api/ai/api-keys/", headers: globex });
    expect(listed.json<{ items: unknown[] }>().items).toEqual([]);
    expect((await listJobs(bearer(acme.key))).statusCode).toBe(200);
  });

  it("refuses bad requests and an expiry in the past", async () => {
    const owner = await as("olga", "owner");
    for (const payload of [
      { name: "x", scopes: [] },
      { name: "x", scopes: ["admin"] },
      { name: "", scopes: ["read"] },
      { name: "x", scopes: ["read"], expires_at: new Date(Date.now() - 60_000).toISOString() },
    ]) {
      const res = await app.inject({ method: "POST", url: "/api/ai/api-keys/", headers: owner, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it("caps a tenant's live keys: one more is a 429 naming the limit until one is revoked", async () => {
    const capped = await h.app({ AUTH_JWT_SECRET: SECRET, API_KEYS_MAX_PER_TENANT: "2" });
    const owner = await as("ivy", "owner", "initech");
    const create = (extra: object = {}) =>
      capped.inject({
        method: "POST",
        url: "/api/ai/api-keys/",
        headers: owner,
        payload: { name: "ci", scopes: ["read"], ...extra },
      });
    const first = (await create()).json<CreatedKey>();
    expect((await create({ expires_at: new Date(Date.now() + 3_600_000).toISOString() })).statusCode).toBe(201);
    const before = await h.ctx.mongo.collections.apiKeys.countDocuments({ tenantId: "initech" });

    const refused = await create();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe("3600");
    expect(problemOf(refused)).toMatchObject({ code: "QUOTA_EXCEEDED" });
    expect(problemOf(refused).detail).toContain("API_KEYS_MAX_PER_TENANT");
    expect(await h.ctx.mongo.collections.apiKeys.countDocuments({ tenantId: "initech" })).toBe(before);
    // Another tenant is not affected by initech's keys.
    const other = await capped.inject({
      method: "POST",
      url: "/api/ai/api-keys/",
      headers: await as("gus", "owner", "globex"),
      payload: { name: "ci", scopes: ["read"] },
    });
    expect(other.statusCode).toBe(201);

    const revoked = await capped.inject({ method: "DELETE", url: `/api/ai/api-keys/${first.id}/`, headers: owner });
    expect(revoked.statusCode).toBe(204);
    expect((await create()).statusCode).toBe(201);
  });
});
