/**
 * How the fuzz test (src/routes/fuzz.test.ts) builds a request for each gateway route: which path parameters are
 * which kind of id (real ones are mixed in so that requests reach the deeper code), the query keys the route knows,
 * and its body. A route the app registers without an entry here fails the test: add one.
 */
import {
  encodeLoosely,
  headerValue,
  type MultipartBody,
  nastyAuthorization,
  nastyId,
  nastyJson,
  nastyJsonText,
  nastyMultipart,
  nastyString,
  pathSegment,
} from "@ai-jobs/testkit";
import fc from "fast-check";
import { auth, otherAdminAuth, otherAuth, planBody, userAuth } from "./harness.js";

/** Ids that exist in the fuzzed store, by kind. */
export interface RealIds {
  plan: string[];
  job: string[];
  exportJob: string[];
  day: string[];
  task: string[];
  seq: string[];
  apiKey: string[];
}

type IdKind = keyof RealIds;

interface RouteInput {
  params?: Record<string, IdKind>;
  /** Known query keys and plausible values (the fuzzer adds hostile values and unknown keys). */
  query?: (ids: RealIds) => Record<string, fc.Arbitrary<string>>;
  /** A valid JSON body to mutate, or a multipart upload; none: the route reads no body (it gets some anyway). */
  body?: ((ids: RealIds) => Record<string, unknown>) | "multipart";
}

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);
const jobQuery = (ids: RealIds) => ({
  status: pick(["queued", "running", "failed", "succeeded", "cancelled", "weird"]),
  type: pick(["plan.generate", "plan.export", "material.ingest", ""]),
  limit: pick(["1", "50", "200", "201", "0", "-1", "1e3", "abc"]),
  cursor: pick([...ids.job, "", "zzz"]),
  queue: pick(["ai_generation", "ingest", "email"]),
  priority: pick(["critical", "low", "urgent"]),
  since: pick(["2026-11-01T00:00:00Z", "2026-11-01T00:00:00+01:00", "yesterday"]),
  until: pick(["2027-01-01T00:00:00Z", "2026-13-01T00:00:00Z"]),
});

/**
 * The routes any caller reaches without credentials: the CORS preflight, the probes, the dashboard's files, the
 * OpenAPI document and Swagger UI's page and assets. The auth matrix leaves them out; so does the OpenAPI document,
 * but for itself.
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  "OPTIONS *",
  "GET /healthz",
  "GET /readyz",
  "GET /dashboard",
  "GET /dashboard*",
  "GET /api/ai/openapi.json",
  "GET /docs",
  "GET /docs/static/index.html",
  "GET /docs/static/swagger-initializer.js",
  "GET /docs*",
  "GET /docs/json",
  "GET /docs/yaml",
]);

export const GATEWAY_ROUTES: Readonly<Record<string, RouteInput>> = {
  // The CORS preflight answers any path.
  "OPTIONS *": {},
  "GET /healthz": {},
  "GET /readyz": {},
  // The dashboard's files (public). Fastify's route tree prints the `/dashboard/*` wildcard as `/dashboard*`.
  "GET /dashboard": {},
  "GET /dashboard*": {},
  "GET /api/ai/me": {},
  "GET /api/ai/health": {},
  // The OpenAPI document and Swagger UI's page and assets (plugins/openapi.ts); `/docs*` is @fastify/static's
  // `/docs/static/*` as routesOf reads it.
  "GET /api/ai/openapi.json": {},
  "GET /docs": {},
  "GET /docs/static/index.html": {},
  "GET /docs/static/swagger-initializer.js": {},
  "GET /docs*": {},
  "GET /docs/json": {},
  "GET /docs/yaml": {},
  "POST /api/ai/study-plans/generate": { body: () => planBody({ title: "Algebra", daily_minutes: 30 }) },
  "GET /api/ai/study-plans/:id": { params: { id: "plan" } },
  "POST /api/ai/study-plans/:id/materials": { params: { id: "plan" }, body: "multipart" },
  "GET /api/ai/study-plans/:id/search": {
    params: { id: "plan" },
    query: () => ({ q: pick(["photosynthesis", "", "a".repeat(5_000)]), k: pick(["1", "5", "0", "1000", "x"]) }),
  },
  "POST /api/ai/study-plans/:id/summary": { params: { id: "plan" } },
  "POST /api/ai/study-plans/:id/export": { params: { id: "plan" }, body: () => ({ format: "xlsx" }) },
  "POST /api/ai/study-plans/:id/days/:day_id/generate": { params: { id: "plan", day_id: "day" } },
  "POST /api/ai/study-plans/:id/tasks": {
    params: { id: "plan" },
    body: (ids) => ({ day_id: ids.day[0], section_id: "s1" }),
  },
  "POST /api/ai/study-tasks/:task_id/progress": {
    params: { task_id: "task" },
    body: () => ({ status: "done", time_spent_minutes: 30 }),
  },
  "GET /api/ai/jobs/stream": {
    query: (ids) => ({
      job_id: pick(ids.job),
      all: pick(["1", "0", "true", "yes"]),
      token: pick(["", "x.y.z"]),
      last_event_id: pick(["1", "0", "-1", "99999999999999999999"]),
    }),
  },
  "POST /api/ai/jobs/stream-token": { body: (ids) => ({ job_ids: ids.job.slice(0, 1) }) },
  "GET /api/ai/jobs": { query: jobQuery },
  "GET /api/ai/jobs/:job_id": { params: { job_id: "job" } },
  "DELETE /api/ai/jobs/:job_id": { params: { job_id: "job" } },
  "GET /api/ai/jobs/:job_id/events": { params: { job_id: "job" } },
  "POST /api/ai/jobs/:job_id/retry": { params: { job_id: "job" } },
  "GET /api/ai/jobs/:job_id/webhooks": { params: { job_id: "job" } },
  "GET /api/ai/jobs/:job_id/usage": { params: { job_id: "job" } },
  "GET /api/ai/usage": {
    query: () => ({ since: pick(["2026-01-01T00:00:00Z", "2026-13-01", "0"]), until: pick(["2027-01-01T00:00:00Z"]) }),
  },
  "GET /api/ai/admin/dead-letters": {
    query: () => ({
      queue: pick(["ai_generation", "ingest", "nope"]),
      limit: pick(["1", "0", "x"]),
      cursor: pick(["1", "-1", "1e20"]),
    }),
  },
  "POST /api/ai/admin/dead-letters/:seq/replay": { params: { seq: "seq" } },
  "GET /api/ai/queues": {},
  "GET /api/ai/queues/history": {},
  "GET /api/ai/schedules": {},
  "GET /api/ai/exports/:export_id": { params: { export_id: "exportJob" } },
  "POST /api/ai/api-keys": { body: () => ({ name: "fuzz", scopes: ["read"], expires_at: "2099-01-01T00:00:00Z" }) },
  "GET /api/ai/api-keys": {},
  "DELETE /api/ai/api-keys/:key_id": { params: { key_id: "apiKey" } },
};

/** One request as inject sends it. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/** Mostly credentials that pass (so requests reach validation), of every role we have; some that do not. */
const authorization: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constant(auth.authorization), weight: 8 },
  {
    arbitrary: fc.constantFrom(userAuth.authorization, otherAuth.authorization, otherAdminAuth.authorization),
    weight: 2,
  },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: nastyAuthorization, weight: 1 },
);

const idOf = (kind: IdKind, ids: RealIds): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: pick(ids[kind]), weight: 2 }, { arbitrary: nastyId, weight: 3 }).chain(pathSegment);

const queryValue = (plausible: fc.Arbitrary<string> | undefined): fc.Arbitrary<string[]> =>
  fc.array(plausible ? fc.oneof({ arbitrary: plausible, weight: 3 }, nastyString) : nastyString, {
    minLength: 1,
    maxLength: 3,
  });

function queryOf(known: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const keys = Object.keys(known);
  const entry = fc.oneof(
    { arbitrary: keys.length > 0 ? pick(keys) : nastyString, weight: 4 },
    { arbitrary: fc.constantFrom("__proto__", "constructor", "token", "a[b]", "x"), weight: 1 },
  );
  return fc
    .array(
      entry.chain((key) =>
        queryValue(Object.hasOwn(known, key) ? known[key] : undefined).map((values) =>
          values.map((v) => [key, v] as const),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) =>
      pairs
        .flat()
        .map(([k, v]) => `${encodeLoosely(k)}=${encodeLoosely(v)}`)
        .join("&"),
    );
}

type Body = { contentType?: string; payload?: string | Buffer };

/** A valid body with one field replaced, removed, or an extra one; or something else entirely. */
function jsonBodyOf(valid: Record<string, unknown>): fc.Arbitrary<Body> {
  const keys = Object.keys(valid);
  const json = (value: unknown): Body => ({ contentType: "application/json", payload: JSON.stringify(value) });
  return fc.oneof(
    { arbitrary: fc.constant(json(valid)), weight: 2 },
    {
      arbitrary: fc.tuple(pick(keys), nastyJson).map(([k, v]) => json({ ...valid, [k]: v })),
      weight: 4,
    },
    {
      arbitrary: pick(keys).map((k) => json(Object.fromEntries(Object.entries(valid).filter(([x]) => x !== k)))),
      weight: 1,
    },
    {
      arbitrary: fc.constantFrom("__proto__", "constructor", "prototype").map((k) => ({
        contentType: "application/json",
        payload: `${JSON.stringify(valid).slice(0, -1)},"${k}":{"role":"admin","tenantId":"globex"}}`,
      })),
      weight: 1,
    },
    { arbitrary: nastyJson.map(json), weight: 2 },
    { arbitrary: nastyJsonText.map((payload) => ({ contentType: "application/json", payload })), weight: 2 },
    { arbitrary: anyBody, weight: 2 },
  );
}

/** Bodies in the wrong shape or type for any route. */
const anyBody: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({}),
  fc.constant({ contentType: "application/json", payload: "" }),
  fc.record({
    contentType: fc.constantFrom(
      "text/plain",
      "application/x-www-form-urlencoded",
      "application/xml",
      "application/json; charset=utf-16",
      "application/json; charset=latin1",
      "",
      "multipart/form-data",
      "*/*",
    ),
    payload: fc.oneof(nastyJsonText, fc.constant("a=1&b=2")),
  }),
  nastyMultipart.map((m: MultipartBody) => ({ contentType: m.contentType, payload: m.payload })),
  fc
    .uint8Array({ maxLength: 1_000 })
    .map((b) => ({ contentType: "application/octet-stream", payload: Buffer.from(b) })),
);

const multipartBody: fc.Arbitrary<Body> = fc.oneof(
  { arbitrary: nastyMultipart.map((m) => ({ contentType: m.contentType, payload: m.payload })), weight: 5 },
  { arbitrary: anyBody, weight: 1 },
);

/** Headers besides Authorization: idempotency keys, Last-Event-ID, request ids, and lying Content-Lengths. */
const extraHeaders = fc.record(
  {
    "idempotency-key": fc.oneof(fc.uuid(), headerValue),
    "last-event-id": headerValue,
    "x-request-id": headerValue,
    origin: fc.constantFrom("https://app.example", "null", "http://evil.example"),
    "access-control-request-method": fc.constantFrom("GET", "POST", "DELETE", "PATCH", "BREW"),
    "access-control-request-headers": fc.constantFrom("authorization", "content-type, idempotency-key", "x-evil"),
    accept: fc.constantFrom("application/json", "text/event-stream", "*/*", "text/html"),
    "content-length-lie": fc.constantFrom("0", "1", "10000000", "-1", "abc"),
  },
  { requiredKeys: [] },
);

/** Requests for one route of the table. */
export function requestsFor(method: string, url: string, input: RouteInput, ids: RealIds): fc.Arbitrary<FuzzRequest> {
  const names = url === "*" ? ["a", "b"] : Object.keys(input.params ?? {});
  const params = fc.tuple(...names.map((name) => idOf(input.params?.[name] ?? "plan", ids)));
  const query = queryOf(input.query?.(ids) ?? {});
  const body: fc.Arbitrary<Body> =
    input.body === "multipart"
      ? multipartBody
      : input.body
        ? jsonBodyOf(input.body(ids))
        : fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, { arbitrary: anyBody, weight: 1 });
  return fc
    .record({ params, query, body, authorization, extra: extraHeaders, trailingSlash: fc.boolean() })
    .map(({ params: values, query: q, body: b, authorization: a, extra, trailingSlash }) => {
      let path = url === "*" ? `/api/ai/${values.join("/")}` : url;
      names.forEach((name, i) => {
        path = path.replace(`:${name}`, values[i] ?? "");
      });
      const headers: Record<string, string> = {};
      if (a !== undefined) headers.authorization = a;
      if (b.contentType !== undefined) headers["content-type"] = b.contentType;
      const { "content-length-lie": lie, ...rest } = extra;
      Object.assign(headers, rest);
      if (lie !== undefined && b.payload !== undefined) headers["content-length"] = lie;
      return {
        method,
        url: `${path}${trailingSlash ? "/" : ""}${q ? `?${q}` : ""}`,
        headers,
        ...(b.payload === undefined ? {} : { payload: b.payload }),
      };
    });
}
