/**
 * What the OpenAPI document says against what the gateway does, on real NATS and FerretDB: the document and its
 * page are served without a token (the page with a CSP of its own, its assets from here), the served document is
 * the committed docs/openapi.json, and every status the document gives a few key routes occurs, with the problem
 * code and headers the document names (and no status occurs that it does not name).
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { repoRoot } from "@ai-jobs/testkit";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, type Harness, OTHER_TOKEN, planBody, startHarness, TOKEN } from "../../test/harness.js";
import { idempotencyRecordId } from "../data/idempotency-keys.js";
import { DOCS_CSP } from "../plugins/openapi.js";

const VIEWER = "tv";
const viewer = { authorization: `Bearer ${VIEWER}` };
const API_CSP = "default-src 'none';frame-ancestors 'none'";

let h: Harness;
/** The gateway as configured for these tests, with a viewer among its tokens. */
let app: FastifyInstance;
/** One request per caller per window. */
let limited: FastifyInstance;
/** One request in progress at most. */
let shedding: FastifyInstance;
/** An events service that never answers: a stream request through it stays in progress. */
let events: http.Server;
let doc: Document;
let jobId: string;

interface Response {
  $ref?: string;
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: string[] } } }[] } }>;
}
interface Header {
  $ref?: string;
  required?: boolean;
}
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components: { responses: Record<string, Response>; headers: Record<string, Header> };
}

beforeAll(async () => {
  events = http.createServer(() => undefined);
  events.listen(0, "127.0.0.1");
  await once(events, "listening");
  const eventsUrl = `http://127.0.0.1:${(events.address() as AddressInfo).port}`;
  h = await startHarness();
  const tokens = `${TOKEN}:acme:admin,${OTHER_TOKEN}:globex:user,${VIEWER}:acme:viewer`;
  // The stream token route is there only with STREAM_TOKEN_SECRET, and the document describes the routes there are.
  app = await h.app({
    AUTH_TOKENS: tokens,
    EVENTS_URL: eventsUrl,
    STREAM_TOKEN_SECRET: "openapi-test-stream-token-secret!!",
  });
  limited = await h.app({ RATE_LIMIT_PER_CALLER: "1" });
  shedding = await h.app({ SHED_MAX_IN_FLIGHT: "1", EVENTS_URL: eventsUrl });
  const served = await app.inject({ method: "GET", url: "/api/ai/openapi.json" });
  doc = served.json<Document>();
  const created = await app.inject({
    method: "POST",
    url: "/api/ai/study-plans/generate/",
    headers: auth,
    payload: planBody(),
  });
  jobId = created.json<{ job_id: string }>().job_id;
});

afterAll(async () => {
  await h?.close();
  events?.closeAllConnections();
  await new Promise((resolve) => events?.close(resolve));
});

describe("the API's description", () => {
  it("is served at /api/ai/openapi.json without a token, under the API's CSP, as committed in docs/openapi.json", async () => {
    const res = await app.inject({ method: "GET", url: "/api/ai/openapi.json/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["content-security-policy"]).toBe(API_CSP);
    const committed: unknown = JSON.parse(readFileSync(join(repoRoot(), "docs/openapi.json"), "utf8"));
    expect(res.json()).toEqual(committed);
  });

  it("has an interactive page at /docs, without a token, whose scripts and styles all come from here", async () => {
    const page = await app.inject({ method: "GET", url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toBe(DOCS_CSP);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset, "no asset from elsewhere").toMatch(/^\/docs\/static\//);
      const res = await app.inject({ method: "GET", url: asset });
      expect(`${asset}: ${res.statusCode}`).toBe(`${asset}: 200`);
      expect(res.headers["content-security-policy"], asset).toBe(DOCS_CSP);
    }
    const json = await app.inject({ method: "GET", url: "/docs/json" });
    expect(json.json()).toEqual(doc);
  });

  it("leaves the API's own CSP on every other answer", async () => {
    const res = await app.inject({ method: "GET", url: "/api/ai/jobs/" });
    expect(res.statusCode).toBe(401);
    expect(res.headers["content-security-policy"]).toBe(API_CSP);
  });
});

type Request = () => Promise<LightMyRequestResponse>;

const generate = (target: FastifyInstance, headers: Record<string, string>, payload: unknown = planBody()) =>
  target.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers, payload: payload as object });

/** The last of two requests: with one request per window, the second is over the limit. */
const twice = async (request: Request) => {
  await request();
  return request();
};

/** A request while another (a stream that the silent events service never answers) is in progress. */
async function whileBusy(request: Request): Promise<LightMyRequestResponse> {
  const stream = shedding.inject({ method: "GET", url: `/api/ai/jobs/stream/?job_id=${jobId}`, headers: auth });
  await once(events, "request");
  try {
    return await request();
  } finally {
    events.closeAllConnections();
    await stream;
  }
}

/**
 * A repeat of a submit whose first request has not created its job yet: the key's record is pointed at a job that
 * does not exist, as while the first request is between claiming the key and storing its job.
 */
async function whileFirstIsInProgress(): Promise<LightMyRequestResponse> {
  const headers = { ...auth, "idempotency-key": "openapi-busy" };
  expect((await generate(app, headers)).statusCode).toBe(202);
  await h.ctx.mongo.collections.idempotencyKeys.updateOne(
    { _id: idempotencyRecordId("acme", "openapi-busy") },
    { $set: { jobId: "not-created-yet", createdAt: new Date() } },
  );
  return generate(app, headers);
}

/** A new job of the acme tenant, queued (no worker runs here). */
async function newJob(): Promise<string> {
  return (await generate(app, auth)).json<{ job_id: string }>().job_id;
}

const cancel = (id: string, headers: Record<string, string> = auth, target = app) =>
  target.inject({ method: "DELETE", url: `/api/ai/jobs/${id}/`, headers });

/** How to make each status of each key route happen. */
const OCCURRENCES: Record<string, Record<string, Request>> = {
  "POST /api/ai/study-plans/generate": {
    202: () => generate(app, auth),
    400: () => generate(app, auth, planBody({ end_date: "2026-11-01" })),
    401: () => generate(app, {}),
    403: () => generate(app, viewer),
    409: whileFirstIsInProgress,
    413: () => generate(app, auth, planBody({ goal: "x".repeat(300_000) })),
    415: () =>
      app.inject({
        method: "POST",
        url: "/api/ai/study-plans/generate/",
        headers: { ...auth, "content-type": "application/xml" },
        payload: "<goal/>",
      }),
    422: async () => {
      const headers = { ...auth, "idempotency-key": "openapi-reused" };
      await generate(app, headers);
      return generate(app, headers, planBody({ goal: "Another goal altogether" }));
    },
    429: () => twice(() => generate(limited, auth)),
    503: () => whileBusy(() => generate(shedding, auth)),
  },
  "GET /api/ai/jobs/{job_id}": {
    200: () => app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/`, headers: auth }),
    400: () => app.inject({ method: "GET", url: "/api/ai/jobs/a%00b/", headers: auth }),
    401: () => app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/` }),
    404: () => app.inject({ method: "GET", url: "/api/ai/jobs/no-such-job/", headers: auth }),
    429: () => twice(() => limited.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/`, headers: auth })),
    503: () => whileBusy(() => shedding.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/`, headers: auth })),
  },
  "DELETE /api/ai/jobs/{job_id}": {
    202: async () => cancel(await newJob()),
    400: () => cancel("a%00b"),
    401: () => cancel(jobId, {}),
    403: () => cancel(jobId, viewer),
    404: () => cancel("no-such-job"),
    409: async () => {
      const id = await newJob();
      expect((await cancel(id)).statusCode).toBe(202);
      return cancel(id);
    },
    413: () =>
      app.inject({
        method: "DELETE",
        url: `/api/ai/jobs/${jobId}/`,
        headers: auth,
        payload: { x: "x".repeat(300_000) },
      }),
    415: () =>
      app.inject({
        method: "DELETE",
        url: `/api/ai/jobs/${jobId}/`,
        headers: { ...auth, "content-type": "application/xml" },
        payload: "<cancel/>",
      }),
    429: () => twice(() => cancel(jobId, auth, limited)),
    503: () => whileBusy(() => cancel(jobId, auth, shedding)),
  },
};

const resolve = (response: Response): Response =>
  response.$ref ? (doc.components.responses[response.$ref.split("/").at(-1) ?? ""] ?? {}) : response;

const resolveHeader = (header: Header): Header =>
  header.$ref ? (doc.components.headers[header.$ref.split("/").at(-1) ?? ""] ?? {}) : header;

describe.each(Object.keys(OCCURRENCES))("%s", (key) => {
  const [method = "", path = ""] = key.split(" ");
  const responses = () => doc.paths[path]?.[method.toLowerCase()]?.responses ?? {};

  it("documents exactly the statuses that occur here", () => {
    expect(Object.keys(responses()).sort()).toEqual(Object.keys(OCCURRENCES[key] ?? {}).sort());
  });

  it.each(Object.keys(OCCURRENCES[key] ?? {}))("answers %s as documented", async (status) => {
    const res = await OCCURRENCES[key]?.[status]?.();
    expect(`${res?.statusCode} ${res?.body.slice(0, 200)}`).toMatch(new RegExp(`^${status} `));
    const documented = resolve(responses()[status] ?? {});
    expect(res?.headers["x-request-id"]).toBeDefined();
    if (Number(status) < 400) return;
    const codes = documented.content?.["application/problem+json"]?.schema?.allOf?.[1]?.properties?.code?.enum;
    expect(res?.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(codes).toContain(res?.json<{ code: string }>().code);
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      if (resolveHeader(header).required) expect(res?.headers[name.toLowerCase()], `${status} ${name}`).toBeDefined();
    }
  });
});
