/**
 * The authentication and tenant matrix over every route of a real events process, configured as a deployment is:
 * JWTs (`AUTH_JWT_SECRET`), API keys and browser stream tokens (`STREAM_TOKEN_SECRET`), no static tokens, on real
 * NATS and FerretDB. Its jobs are submitted and run as the gateway and a worker would (`acceptJob`, then the worker's
 * events) and projected by the process itself. Each route that needs a caller refuses every bad credential with 401,
 * lets every role of the job's tenant follow it, answers another tenant's job as if it did not exist, refuses a stream
 * token what it was not minted for, and no refused request writes anything. The route list is the app's own: a route
 * added without an entry here fails the first test.
 */
import { ERROR_CODES, type JobRecord, type JobType, newJobRecord, problem, STREAMS } from "@ai-jobs/contracts";
import {
  type AcceptDeps,
  acceptJob,
  createStreamTokens,
  generateApiKey,
  ROLES,
  type Role,
  type StreamScope,
  type StreamTokens,
} from "@ai-jobs/runtime";
import { readSse, routeKey, routesOf, type SseEvent, type SseRead, waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { eventsAppOf } from "./testing/app.js";
import { ev, startHarness } from "./testing/harness.js";

const JWT_SECRET = "events-auth-matrix-jwt-secret-of-32-bytes!";
const STREAM_SECRET = "events-auth-matrix-stream-secret-32-bytes";
const OTHER_SECRET = "another-secret-of-at-least-32-bytes-long";

/**
 * Every route the app registers: the probes need no caller; the others name the path this matrix opens. A new route
 * fails the first test until it has an entry (and, if it needs a caller, its place in the cases below).
 */
const ROUTES: Readonly<Record<string, { public: true } | { path: string }>> = {
  "OPTIONS *": { public: true },
  "GET /healthz": { public: true },
  "GET /readyz": { public: true },
  "GET /api/ai/jobs/stream": { path: "/api/ai/jobs/stream" },
  "GET /api/ai/jobs/stream/": { path: "/api/ai/jobs/stream/" },
};
const CALLER_ROUTES = Object.entries(ROUTES).flatMap(([key, r]) => ("path" in r ? [{ key, path: r.path }] : []));

const h = useHarness(() => startHarness());
let base: string;
/** acme's jobs A and B, globex's job G: all finished. */
const jobs = { a: "", b: "", g: "" };
const streamTokens = createStreamTokens(STREAM_SECRET, 300);

const secretKey = (secret: string) => new TextEncoder().encode(secret);
interface JwtOptions {
  secret?: string;
  /** A span ("10m") or an epoch second; `null`: no `exp` claim at all. */
  expiresIn?: string | number | null;
  notBefore?: string;
}
function jwt(claims: Record<string, unknown>, opts: JwtOptions = {}) {
  const token = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (opts.expiresIn !== null) token.setExpirationTime(opts.expiresIn ?? "10m");
  if (opts.notBefore !== undefined) token.setNotBefore(opts.notBefore);
  return token.sign(secretKey(opts.secret ?? JWT_SECRET));
}
const userJwt = (tenant: string, role: Role) => jwt({ sub: `${role}-of-${tenant}`, tenant_id: tenant, role });
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
/** An unsigned token (`alg: none`): header and claims, no signature. */
const unsigned = (claims: Record<string, unknown>) =>
  `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(
    JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 }),
  ).toString("base64url")}.`;
const streamToken = async (tenantId: string, scope: StreamScope, tokens: StreamTokens = streamTokens) =>
  (await tokens.mint({ tenantId, userId: `viewer-of-${tenantId}`, role: "viewer" }, scope)).token;

/** How a request presents its caller: headers, and a `?token=` stream token. */
interface Credential {
  what: string;
  headers?: Record<string, string>;
  token?: string;
}

function open(routePath: string, query: string, cred: Credential): Promise<Response> {
  const q = cred.token === undefined ? query : `${query}&token=${encodeURIComponent(cred.token)}`;
  return fetch(`${base}${routePath}?${q}`, { headers: cred.headers ?? {}, signal: AbortSignal.timeout(10_000) });
}

/** Reads a refusal's problem body; a stream that opened by mistake is closed without being read. */
async function problemOf(res: Response): Promise<unknown> {
  if (res.headers.get("content-type") === "text/event-stream") {
    await res.body?.cancel();
    return undefined;
  }
  return res.json();
}

/** What a refused request must leave as it was: the records the service reads or could write, and the streams. */
async function counts() {
  const [jobRecords, counted] = await Promise.all([
    h.ctx.mongo.collections.jobs
      .find({}, { projection: { _id: 1, rev: 1, status: 1 } })
      .toArray()
      .then((docs) => docs.map((d) => `${d._id}:${String(d.rev)}:${d.status}`).sort()),
    h.counts({
      collections: ["jobEvents", "jobOutbox", "apiKeys", "apiKeyUses", "deadLetters", "webhookDeliveries"],
      streams: { jobsStream: STREAMS.jobs, eventsStream: STREAMS.events },
    }),
  ]);
  return { jobRecords, ...counted };
}

/** A job submitted as the gateway submits it (the `queued` event with its spec, and the command on JOBS). */
async function submit(tenantId: string): Promise<JobRecord> {
  const type: JobType = "plan.generate";
  const record = newJobRecord({
    jobId: h.newId(),
    tenantId,
    userId: `owner-of-${tenantId}`,
    type,
    priority: "normal",
    payload: {
      planId: `plan-${tenantId}`,
      goal: "Learn Go",
      title: "Go",
      studyContext: null,
      startDate: "2026-12-01",
      endDate: "2026-12-03",
      dailyMinutes: 60,
    },
    now: new Date(),
  });
  const deps: AcceptDeps = {
    messaging: h.ctx.messaging,
    events: h.ctx.events,
    nats: h.ctx.nats,
    outbox: h.outbox,
    log: h.ctx.log,
  };
  expect(await acceptJob(deps, record)).toBe("published");
  return record;
}

/** Stores a live API key as the gateway's `POST /api-keys/` does; resolves with the secret to present. */
async function apiKey(
  tenantId: string,
  scope: "read" | "write" | "manage",
  expiresAt: Date | null = null,
): Promise<{ id: string; key: string }> {
  const { id, key, hash } = generateApiKey();
  await h.ctx.mongo.collections.apiKeys.insertOne({
    _id: id,
    tenantId,
    name: `${scope} key`,
    scopes: [scope],
    hash,
    createdBy: `owner-of-${tenantId}`,
    createdAt: new Date(),
    expiresAt,
    revokedAt: null,
  });
  return { id, key };
}

/** Follows one finished job to its end, and checks it got that job's events only, ending with its terminal status. */
async function followToEnd(routePath: string, jobId: string, cred: Credential): Promise<SseRead> {
  const res = await open(routePath, `job_id=${jobId}`, cred);
  const label = `${routePath} ${jobId} with ${cred.what}`;
  expect(`${res.status} ${res.headers.get("content-type")}`, label).toBe("200 text/event-stream");
  const read = await readSse(res, { timeoutMs: 5_000 });
  expect(read.ended, label).toBe(true);
  expect(jobIdsOf(read), label).toEqual([jobId]);
  expect(
    read.messages.some((m) => m.event === "result"),
    label,
  ).toBe(true);
  expect(read.messages.at(-1)?.data, label).toEqual({ job_id: jobId, status: "succeeded" });
  return read;
}

const jobIdOf = (m: SseEvent): unknown =>
  typeof m.data === "object" && m.data !== null && "job_id" in m.data ? m.data.job_id : undefined;
const jobIdsOf = (read: SseRead) => [...new Set(read.messages.map(jobIdOf))];

/** A JWT per role, per tenant. */
const jwts: Record<"acme" | "globex", Credential[]> = { acme: [], globex: [] };
/** acme's other ways in: an API key per scope, a stream token for job A, one for all its jobs. */
let acmeOthers: { keys: Credential[]; forA: Credential; all: Credential };
let badCredentials: Credential[];
let otherTenant: Credential[];

beforeAll(async () => {
  const svc = await h.spawn("events", {
    env: {
      // As deployed: JWTs and stream tokens; the static development tokens are off.
      AUTH_TOKENS: "",
      AUTH_JWT_SECRET: JWT_SECRET,
      STREAM_TOKEN_SECRET: STREAM_SECRET,
      LOG_LEVEL: "warn",
    },
  });
  base = svc.url;

  // Three jobs, run as a worker runs them; G's events fall between A's and B's, so a leak would show on an acme stream.
  const [a, b, g] = [await submit("acme"), await submit("acme"), await submit("globex")];
  await h.publishEvent(ev.started(a));
  await h.publishEvent(ev.started(g));
  await h.publishEvent(ev.progress(a, { pct: 50, step: "days", message: "half way" }));
  await h.publishEvent(ev.succeeded(g, { plan_id: "plan-globex" }));
  await h.publishEvent(ev.started(b));
  await h.publishEvent(ev.succeeded(b, { plan_id: "plan-acme" }));
  await h.publishEvent(ev.succeeded(a, { plan_id: "plan-acme" }));
  Object.assign(jobs, { a: a._id, b: b._id, g: g._id });
  // The service's own projector has written the records before anything is asserted.
  const projected = (id: string) => h.ctx.mongo.collections.jobs.findOne({ _id: id, status: "succeeded" });
  for (const id of [a._id, b._id, g._id]) {
    await waitFor(async () => (await projected(id)) !== null, { what: `job ${id} projected as succeeded` });
  }

  for (const tenant of ["acme", "globex"] as const) {
    jwts[tenant] = await Promise.all(
      ROLES.map(async (role) => ({ what: `${tenant}'s ${role} JWT`, headers: bearer(await userJwt(tenant, role)) })),
    );
  }
  const keys = {
    acme: await Promise.all((["read", "write", "manage"] as const).map((scope) => apiKey("acme", scope))),
    globex: await apiKey("globex", "read"),
    revoked: await apiKey("acme", "manage"),
  };
  // Each key is used once before any count (the use is recorded in api_key_uses), and the revoked one worked then.
  const live = [...keys.acme, keys.revoked];
  for (const { key } of live)
    await followToEnd("/api/ai/jobs/stream/", jobs.a, { what: "a key", headers: bearer(key) });
  await followToEnd("/api/ai/jobs/stream/", jobs.g, { what: "globex's key", headers: bearer(keys.globex.key) });
  await h.ctx.mongo.collections.apiKeys.updateOne({ _id: keys.revoked.id }, { $set: { revokedAt: new Date() } });
  const usedIds = [...live, keys.globex].map((k) => k.id);
  await waitFor(async () => (await h.ctx.mongo.collections.apiKeyUses.countDocuments()) === usedIds.length, {
    what: "the keys' uses recorded",
  });

  acmeOthers = {
    keys: keys.acme.map(({ key }, i) => ({ what: `acme's API key #${i + 1}`, headers: bearer(key) })),
    forA: { what: "a stream token for job A", token: await streamToken("acme", { all: false, jobIds: [jobs.a] }) },
    all: { what: "an all-jobs stream token", token: await streamToken("acme", { all: true }) },
  };

  const acmeOwner = { sub: "owner-of-acme", tenant_id: "acme", role: "owner" };
  const past = createStreamTokens(STREAM_SECRET, 60, () => new Date(Date.now() - 120_000));
  badCredentials = [
    { what: "a malformed header", headers: { authorization: "Bearer" } },
    { what: "another scheme", headers: { authorization: "Basic YWRhOnNlY3JldA==" } },
    { what: "a garbage token", headers: bearer("not.a.jwt") },
    {
      what: "an expired JWT",
      headers: bearer(await jwt(acmeOwner, { expiresIn: Math.floor(Date.now() / 1_000) - 60 })),
    },
    { what: "a JWT with a bad signature", headers: bearer(await jwt(acmeOwner, { secret: OTHER_SECRET })) },
    { what: "an unsigned JWT (alg none)", headers: bearer(unsigned({ ...acmeOwner, role: "admin" })) },
    {
      what: "a JWT signed with the stream token secret",
      headers: bearer(await jwt(acmeOwner, { secret: STREAM_SECRET })),
    },
    { what: "a JWT without exp", headers: bearer(await jwt(acmeOwner, { expiresIn: null })) },
    { what: "a JWT not valid yet", headers: bearer(await jwt(acmeOwner, { notBefore: "10m" })) },
    { what: "a JWT with an unknown role", headers: bearer(await jwt({ ...acmeOwner, role: "superuser" })) },
    // A tenant goes into a subject filter: a wildcard would follow every tenant's events.
    { what: "a JWT with a wildcard tenant", headers: bearer(await jwt({ ...acmeOwner, tenant_id: "*" })) },
    { what: "a revoked API key", headers: bearer(keys.revoked.key) },
    { what: "an expired API key", headers: bearer((await apiKey("acme", "manage", new Date(Date.now() - 1_000))).key) },
    { what: "an unknown API key", headers: bearer(generateApiKey().key) },
    { what: "a stream token as a bearer token", headers: bearer(await streamToken("acme", { all: true })) },
    { what: "an expired stream token", token: await streamToken("acme", { all: true }, past) },
    {
      what: "a forged stream token",
      token: await streamToken("acme", { all: true }, createStreamTokens(OTHER_SECRET, 300)),
    },
    { what: "a stream token with a wildcard tenant", token: await streamToken(">", { all: true }) },
    { what: "a bearer JWT as a stream token", token: await jwt(acmeOwner) },
    { what: "an empty stream token", token: "" },
  ];

  otherTenant = [
    ...jwts.globex,
    { what: "globex's API key", headers: bearer(keys.globex.key) },
    { what: "globex's all-jobs stream token", token: await streamToken("globex", { all: true }) },
    // A token of globex naming acme's job (and its own): the scope covers both ids, the tenant has only one.
    {
      what: "globex's stream token naming job A",
      token: await streamToken("globex", { all: false, jobIds: [jobs.g, jobs.a] }),
    },
  ];
});

describe("the auth matrix over every route of the events process", () => {
  it("knows every route the app registers, and no route that is gone", async () => {
    const app = eventsAppOf(h);
    try {
      await app.ready();
      const registered = routesOf(app).map(routeKey);
      expect(registered.filter((r) => !(r in ROUTES))).toEqual([]);
      expect(Object.keys(ROUTES).filter((r) => !registered.includes(r))).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it("answers the probes without credentials", async () => {
    for (const probe of ["/healthz", "/readyz"]) expect((await fetch(`${base}${probe}`)).status, probe).toBe(200);
  });

  it("answers 401 without credentials and 401 invalid_token with any bad one, writing nothing", async () => {
    // The same answer whatever was wrong: the reason is not told.
    const refusal = problem(401, ERROR_CODES.unauthorized, "a valid bearer or stream token is required");
    const before = await counts();
    for (const { key, path: routePath } of CALLER_ROUTES) {
      for (const query of [`job_id=${jobs.a}`, "all=1"]) {
        const none = await open(routePath, query, { what: "nothing" });
        expect(none.status, `${key}?${query} without credentials`).toBe(401);
        expect(none.headers.get("www-authenticate"), key).toBe('Bearer realm="ai-jobs"');
        expect(await problemOf(none), key).toEqual(refusal);
        for (const cred of badCredentials) {
          const res = await open(routePath, query, cred);
          const label = `${key}?${query} with ${cred.what}`;
          expect(res.status, label).toBe(401);
          expect(res.headers.get("www-authenticate"), label).toBe('Bearer realm="ai-jobs", error="invalid_token"');
          expect(res.headers.get("content-type"), label).toMatch(/^application\/problem\+json/);
          expect(await problemOf(res), label).toEqual(refusal);
        }
      }
    }
    expect(await counts()).toEqual(before);
  });

  it("lets every role of the tenant, each API key scope and a stream token follow the tenant's job to its end", async () => {
    const callers = [...jwts.acme, ...acmeOthers.keys, acmeOthers.forA, acmeOthers.all];
    for (const { path: routePath } of CALLER_ROUTES) {
      for (const cred of callers) await followToEnd(routePath, jobs.a, cred);
    }
  });

  it("gives every role the tenant's all-jobs stream, with none of another tenant's events", async () => {
    for (const { path: routePath } of CALLER_ROUTES) {
      for (const [tenant, own, foreign] of [
        ["acme", [jobs.a, jobs.b], [jobs.g]],
        ["globex", [jobs.g], [jobs.a, jobs.b]],
      ] as const) {
        const callers = tenant === "acme" ? [...jwts.acme, ...acmeOthers.keys, acmeOthers.all] : jwts.globex;
        for (const cred of callers) {
          const label = `${routePath}?all=1 with ${cred.what}`;
          // From the start of JOB_EVENTS: the replay passes over every tenant's events.
          const res = await open(routePath, "all=1&last_event_id=0", cred);
          expect(`${res.status} ${res.headers.get("content-type")}`, label).toBe("200 text/event-stream");
          const done = (r: SseRead) =>
            own.every((id) => r.messages.some((m) => m.event === "result" && jobIdOf(m) === id));
          const read = await readSse(res, { until: done, timeoutMs: 5_000 });
          expect(jobIdsOf(read).sort(), label).toEqual([...own].sort());
          for (const id of foreign) expect(jobIdsOf(read), label).not.toContain(id);
        }
      }
    }
  });

  it("answers another tenant's job as if it did not exist, for every role and kind of credential, writing nothing", async () => {
    const before = await counts();
    for (const { key, path: routePath } of CALLER_ROUTES) {
      // A job that never existed: the answer another tenant's job must not be told apart from.
      const unknown = h.newId();
      const absent = await open(routePath, `job_id=${unknown}`, otherTenant[0] ?? { what: "nobody" });
      expect(absent.status, key).toBe(404);
      expect(await absent.json(), key).toEqual(problem(404, ERROR_CODES.notFound, `job ${unknown} not found`));
      for (const cred of otherTenant) {
        for (const query of [`job_id=${jobs.a}`, `job_id=${jobs.g}&job_id=${jobs.a}`]) {
          const res = await open(routePath, query, cred);
          const label = `${key}?${query} with ${cred.what}`;
          expect(res.status, label).toBe(404);
          expect(res.headers.get("content-type"), label).toMatch(/^application\/problem\+json/);
          expect(await problemOf(res), label).toEqual(problem(404, ERROR_CODES.notFound, `job ${jobs.a} not found`));
        }
      }
    }
    // Each of them reaches its own tenant's job, so the 404s above are about the tenant, not the credential.
    for (const cred of otherTenant) await followToEnd("/api/ai/jobs/stream/", jobs.g, cred);
    expect(await counts()).toEqual(before);
  });

  it("refuses a stream token the jobs it was not minted for, and all=1 on a job-scoped token (403), writing nothing", async () => {
    const before = await counts();
    for (const { key, path: routePath } of CALLER_ROUTES) {
      for (const query of [`job_id=${jobs.b}`, `job_id=${jobs.a}&job_id=${jobs.b}`, "all=1", "all=1&last_event_id=0"]) {
        const res = await open(routePath, query, acmeOthers.forA);
        const label = `${key}?${query}`;
        expect(res.status, label).toBe(403);
        expect(res.headers.get("content-type"), label).toMatch(/^application\/problem\+json/);
        expect(await problemOf(res), label).toMatchObject({ status: 403, code: ERROR_CODES.forbidden });
      }
    }
    expect(await counts()).toEqual(before);
  });
});
