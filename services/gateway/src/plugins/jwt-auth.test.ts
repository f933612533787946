import { startTestIdentityProvider, type TestIdentityProvider } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Counts, planBody, problemOf, startHarness } from "../../test/harness.js";

const SECRET = "test-jwt-secret-of-at-least-32-bytes!";
const ISSUER = "https://idp.test/";
const AUDIENCE = "ai-jobs-api";

const h = useHarness(() => startHarness());
let idp: TestIdentityProvider;
let app: FastifyInstance;
let jwksOnly: FastifyInstance;

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  const jwt = {
    AUTH_JWT_SECRET: SECRET,
    AUTH_JWKS_URL: idp.jwksUrl,
    AUTH_JWKS_COOLDOWN_MS: "0",
    AUTH_JWT_ISSUER: ISSUER,
    AUTH_JWT_AUDIENCE: AUDIENCE,
    AUTH_JWT_CLOCK_TOLERANCE_S: "0",
  };
  app = await h.app(jwt);
  jwksOnly = await h.app({ AUTH_TOKENS: "", AUTH_JWKS_URL: idp.jwksUrl, AUTH_JWKS_COOLDOWN_MS: "0" });
}, 120_000);

afterAll(async () => {
  await idp?.close();
});

const now = () => Math.floor(Date.now() / 1_000);
const claims = (over: JWTPayload = {}): JWTPayload => ({
  sub: "alice",
  tenant_id: "acme",
  role: "owner",
  iss: ISSUER,
  aud: AUDIENCE,
  exp: now() + 300,
  ...over,
});
const hs256 = (payload: JWTPayload, secret = SECRET) =>
  new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const listJobs = (headers: Record<string, string>, on = app) =>
  on.inject({ method: "GET", url: "/api/ai/jobs/", headers });
const submit = (headers: Record<string, string>) =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers, payload: planBody() });

/** A 401 problem with RFC 6750's challenge; `invalid` when credentials were sent. */
function expectRefused(res: Awaited<ReturnType<FastifyInstance["inject"]>>, invalid = true) {
  expect(res.statusCode).toBe(401);
  expect(problemOf(res).code).toBe("UNAUTHORIZED");
  const challenge = res.headers["www-authenticate"];
  expect(challenge).toMatch(/^Bearer realm="ai-jobs"/);
  if (invalid) expect(challenge).toContain('error="invalid_token"');
  else expect(challenge).not.toContain("error=");
}

describe("JWT bearer tokens", () => {
  it("accepts an HS256 token with the right issuer and audience", async () => {
    const res = await listJobs(bearer(await hs256(claims())));
    expect(res.statusCode).toBe(200);
  });

  it("answers no token with a 401 challenge without an error", async () => {
    expectRefused(await listJobs({}), false);
  });

  it("refuses malformed, expired, not-yet-valid, badly signed, alg none, and wrong issuer or audience", async () => {
    const refused: Record<string, string> = {
      malformed: "not.a.jwt",
      garbage: "e30.e30.AAAA",
      expired: await hs256(claims({ exp: now() - 10 })),
      notYetValid: await hs256(claims({ nbf: now() + 120 })),
      noExp: await hs256(claims({ exp: undefined })),
      badSignature: await hs256(claims(), "another-secret-of-at-least-32-bytes!!"),
      algNone: `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`,
      wrongIssuer: await hs256(claims({ iss: "https://evil.test/" })),
      wrongAudience: await hs256(claims({ aud: "someone-else" })),
      noTenant: await hs256(claims({ tenant_id: undefined })),
      badTenant: await hs256(claims({ tenant_id: "a.b" })),
      unknownRole: await hs256(claims({ role: "root" })),
    };
    for (const [name, token] of Object.entries(refused)) {
      const res = await listJobs(bearer(token));
      expect(res.statusCode, name).toBe(401);
      expectRefused(res);
    }
    expectRefused(await listJobs({ authorization: "Basic YWxpY2U6cHc=" }));
  });

  it("writes nothing on a refused request", async () => {
    const before: Counts = await h.counts();
    for (const token of [await hs256(claims({ exp: now() - 10 })), `${b64({ alg: "none" })}.${b64(claims())}.`]) {
      expectRefused(await submit(bearer(token)));
    }
    expect(await h.counts()).toEqual(before);
  });

  it("accepts RS256 and ES256 tokens from the JWKS, and follows a key rotation", async () => {
    const base = { sub: "bob", tenant_id: "acme", role: "viewer" };
    expect((await listJobs(bearer(await idp.sign(claims(base))))).statusCode).toBe(200);
    expect((await listJobs(bearer(await idp.sign(claims(base), { alg: "ES256" })))).statusCode).toBe(200);
    const fetchesBefore = idp.fetches();

    await idp.rotate();
    // A token signed with the new key has an unknown kid: the JWKS is fetched again, and the token is accepted.
    expect((await listJobs(bearer(await idp.sign(claims(base))))).statusCode).toBe(200);
    expect(idp.fetches()).toBeGreaterThan(fetchesBefore);
    // The retired key is no longer published.
    expectRefused(await listJobs(bearer(await idp.sign(claims(base), { key: "retired" }))));
  });

  it("never takes an HS256 token where only a JWKS is configured (no algorithm confusion)", async () => {
    const token = await hs256({ sub: "eve", tenant_id: "acme", role: "admin", exp: now() + 300 });
    expectRefused(await listJobs(bearer(token), jwksOnly));
    const rs = await idp.sign({ sub: "bob", tenant_id: "acme", role: "owner" });
    expect((await listJobs(bearer(rs), jwksOnly)).statusCode).toBe(200);
  });

  it("reads tenant, user and role from configured claims", async () => {
    const custom = await h.app({
      AUTH_JWT_SECRET: SECRET,
      AUTH_CLAIM_TENANT: "org",
      AUTH_CLAIM_USER: "email",
      AUTH_CLAIM_ROLE: "https://ai-jobs/role",
    });
    const token = await hs256({ org: "acme", email: "c@acme.test", "https://ai-jobs/role": "owner", exp: now() + 60 });
    expect((await listJobs(bearer(token), custom)).statusCode).toBe(200);
    expectRefused(await listJobs(bearer(await hs256(claims())), custom));
  });
});
