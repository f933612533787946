/**
 * The authentication and role matrix over every route of a real gateway process, with JWTs and API keys as a
 * deployment uses them: each route that needs a caller refuses every bad credential with 401, a viewer may not write
 * anywhere, another tenant's plan or job is a 404 on every route that takes one, and no refused request writes
 * anything. The route list is the fuzz test's, which fails when the app registers a route it does not know, so a new
 * route joins this matrix by itself.
 */
import { STREAMS } from "@ai-jobs/contracts";
import { startServiceHarness } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_ROUTES, PUBLIC_ROUTES } from "../test/fuzz-routes.js";

const SECRET = "auth-matrix-secret-of-at-least-32-bytes!";
const OTHER_SECRET = "another-secret-of-at-least-32-bytes-long";
/** Writes a viewer may still make: a stream token only lets it read. */
const VIEWER_MAY = new Set(["POST /api/ai/jobs/stream-token"]);

const h = useHarness(() => startServiceHarness({ service: "gateway" }));
let base: string;
const ids = { plan: "", job: "" };

const secretKey = (secret: string) => new TextEncoder().encode(secret);
function jwt(claims: Record<string, unknown>, opts: { secret?: string; expiresIn?: string | number } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? "10m")
    .sign(secretKey(opts.secret ?? SECRET));
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** An unsigned token (`alg: none`): header and claims, no signature. */
const unsigned = (claims: Record<string, unknown>) =>
  `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(
    JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 }),
  ).toString("base64url")}.`;

const routes = Object.keys(GATEWAY_ROUTES)
  .filter((r) => !PUBLIC_ROUTES.has(r))
  .map((r) => {
    const [method = "", pattern = ""] = r.split(" ");
    return { key: r, method, pattern, multipart: GATEWAY_ROUTES[r]?.body === "multipart" };
  });

/** A route's URL with acme's plan and job in it (any id serves where the credential is refused first). */
/** Query parameters a route requires, so that its request is valid but for the caller. */
const REQUIRED_QUERY: Readonly<Record<string, string>> = { "/api/ai/study-plans/:id/search": "?q=vectors" };

const urlOf = (pattern: string) => {
  const path = pattern
    .replace(":id", ids.plan)
    .replace(":job_id", ids.job)
    .replace(/:[a-z_]+/g, "unknown");
  return `${base}${path}/${REQUIRED_QUERY[pattern] ?? ""}`;
};

/** A request to a route: an empty JSON body for a POST, a small file for an upload route. */
function call(route: { method: string; pattern: string; multipart?: boolean }, headers: Record<string, string>) {
  const { method, pattern, multipart } = route;
  let body: RequestInit = {};
  if (multipart) {
    const form = new FormData();
    form.append("file", new Blob(["# Notes\n\nSome text.\n"], { type: "text/markdown" }), "notes.md");
    body = { body: form };
  } else if (method === "POST") {
    body = { body: "{}", headers: { ...headers, "content-type": "application/json" } };
  }
  return fetch(urlOf(pattern), { method, headers, ...body, signal: AbortSignal.timeout(5_000) });
}

/** What a refused request must leave as it was. */
const counts = () =>
  h.counts({
    collections: ["plans", "jobs", "documents", "apiKeys"],
    streams: { jobsStream: STREAMS.jobs, eventsStream: STREAMS.events },
  });

/** The matrix's plan and job, submitted as a client would: a fresh process may shed its first requests (503). */
async function submitPlan(): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${base}/api/ai/study-plans/generate/`, {
      method: "POST",
      headers: { ...owner, "content-type": "application/json" },
      body: JSON.stringify({ goal: "Learn Go", start_date: "2026-12-01", end_date: "2026-12-03" }),
    });
    if (res.status !== 503 || attempt === 5) return res;
    await new Promise((resolve) => setTimeout(resolve, 1_000 * Number(res.headers.get("retry-after") ?? 1)));
  }
}

let owner: Record<string, string>;
let viewer: Record<string, string>;
let otherTenant: Record<string, string>;
let badCredentials: Array<[string, Record<string, string>]>;

beforeAll(async () => {
  const gateway = await h.spawn("gateway", {
    env: { AUTH_JWT_SECRET: SECRET, STREAM_TOKEN_SECRET: OTHER_SECRET, LOG_LEVEL: "warn" },
  });
  base = gateway.url;
  owner = bearer(await jwt({ sub: "ada", tenant_id: "acme", role: "owner" }));
  viewer = bearer(await jwt({ sub: "vic", tenant_id: "acme", role: "viewer" }));
  otherTenant = bearer(await jwt({ sub: "gus", tenant_id: "globex", role: "owner" }));

  const generated = await submitPlan();
  expect(`${generated.status} ${await generated.clone().text()}`).toMatch(/^202/);
  const plan = (await generated.json()) as { id: string; job_id: string };
  Object.assign(ids, { plan: plan.id, job: plan.job_id });

  // An API key, revoked at once: it must be refused from then on.
  const created = await fetch(`${base}/api/ai/api-keys/`, {
    method: "POST",
    headers: { ...owner, "content-type": "application/json" },
    body: JSON.stringify({ name: "revoked", scopes: ["manage"] }),
  });
  expect(created.status).toBe(201);
  const key = (await created.json()) as { id: string; key: string };
  expect((await fetch(`${base}/api/ai/api-keys/${key.id}/`, { method: "DELETE", headers: owner })).status).toBe(204);

  badCredentials = [
    ["a malformed header", { authorization: "Bearer" }],
    ["another scheme", { authorization: "Basic YWRhOnNlY3JldA==" }],
    ["a garbage token", bearer("not.a.jwt")],
    ["an expired token", bearer(await jwt({ sub: "ada", tenant_id: "acme", role: "owner" }, { expiresIn: -60 }))],
    [
      "a token with a bad signature",
      bearer(await jwt({ sub: "ada", tenant_id: "acme", role: "owner" }, { secret: OTHER_SECRET })),
    ],
    ["an unsigned token (alg none)", bearer(unsigned({ sub: "ada", tenant_id: "acme", role: "admin" }))],
    ["a revoked API key", bearer(key.key)],
  ];
});

describe("the auth matrix over every route of the gateway process", () => {
  it("answers 401 without credentials and 401 invalid_token with any bad one, writing nothing", async () => {
    const before = await counts();
    for (const route of routes) {
      const { key } = route;
      const none = await call(route, {});
      expect(none.status, `${key} without credentials`).toBe(401);
      expect(none.headers.get("www-authenticate"), key).toBe('Bearer realm="ai-jobs"');
      for (const [what, headers] of badCredentials) {
        const res = await call(route, headers);
        expect(res.status, `${key} with ${what}`).toBe(401);
        expect(res.headers.get("www-authenticate"), `${key} with ${what}`).toContain('error="invalid_token"');
        expect(res.headers.get("content-type"), key).toMatch(/^application\/problem\+json/);
      }
    }
    expect(await counts()).toEqual(before);
  });

  it("refuses a viewer every write with 403, writing nothing", async () => {
    const before = await counts();
    for (const route of routes) {
      if (route.method === "GET" || VIEWER_MAY.has(route.key)) continue;
      const res = await call(route, viewer);
      expect(res.status, route.key).toBe(403);
    }
    expect(await counts()).toEqual(before);
  });

  it("answers another tenant's plan or job as if it did not exist, on every route that takes one", async () => {
    const before = await counts();
    const takingOne = routes.filter(({ pattern }) => pattern.includes(":id") || pattern.includes(":job_id"));
    expect(takingOne.length).toBeGreaterThan(5);
    for (const route of takingOne) {
      const res = await call(route, otherTenant);
      if (res.status === 404) continue;
      // A request invalid in itself (this empty body) may be refused before the lookup: then the plan's owner gets
      // the very same 400, so the answer tells nothing about the other tenant's plan or job.
      const asOwner = await call(route, owner);
      expect(`${route.key}: ${res.status}`).toBe(`${route.key}: 400`);
      expect(asOwner.status, route.key).toBe(400);
      expect(await res.json()).toEqual(await asOwner.json());
    }
    // The owner of the plan does reach it, so the 404s above are about the tenant, not the ids.
    expect((await call({ method: "GET", pattern: "/api/ai/study-plans/:id" }, owner)).status).toBe(200);
    expect((await call({ method: "GET", pattern: "/api/ai/jobs/:job_id" }, owner)).status).toBe(200);
    expect(await counts()).toEqual(before);
  });
});
