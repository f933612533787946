/**
 * Issue 13, "no input can stall a process": every public route of the events service (probes and the SSE stream),
 * fed random and hostile requests over real HTTP on real NATS and FerretDB. Each must send its headers within 1 s,
 * never a 5xx; a 4xx is a problem+json with a stable code; the store and the streams stay as they were. A stream
 * that opens (200) is closed at once. Reproduce a failure with the seed and path that fast-check prints:
 * FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run services/events/src/sse/http-fuzz.test.ts
 */
import { STREAMS } from "@ai-jobs/contracts";
import {
  encodeLoosely,
  FUZZ_SEED,
  headerValue,
  nastyAuthorization,
  nastyString,
  problemDefect,
  routeKey,
  routesOf,
} from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { serveEventsApp } from "../testing/app.js";
import { ev, startHarness, TOKENS } from "../testing/harness.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const MAX_MS = 1_000;

const h = useHarness(() => startHarness({ STREAM_TOKEN_SECRET: "fuzz-stream-token-secret-of-32-bytes!" }));
let app: FastifyInstance;
let base: string;
const jobIds: string[] = [];

beforeAll(async () => {
  ({ app, base } = await serveEventsApp(h));
  const running = await h.insertJob();
  await h.publishEvent(ev.started(running));
  const done = await h.insertJob();
  await h.publishEvent(ev.succeeded(done, { plan_id: "p" }));
  jobIds.push(running._id, done._id);
});

/** The query keys each route knows, with plausible values (hostile ones and unknown keys are added). */
const ROUTES: Readonly<Record<string, () => Record<string, fc.Arbitrary<string>>>> = {
  // The CORS preflight answers any path (fuzzed as the stream's path).
  "OPTIONS *": () => ({}),
  "GET /healthz": () => ({}),
  "GET /readyz": () => ({}),
  "GET /api/ai/jobs/stream": () => ({
    job_id: fc.constantFrom(...jobIds, "01JUNKNOWN"),
    all: fc.constantFrom("1", "0", "true", "2"),
    token: fc.constantFrom("x.y.z", ""),
    last_event_id: fc.constantFrom("1", "0", "-1", "99999999999999999999", "1.5"),
    keepalive: fc.constantFrom("1"),
  }),
  "GET /api/ai/jobs/stream/": () => ROUTES["GET /api/ai/jobs/stream"]?.() ?? {},
};

const requestOf = (key: string) => {
  const known = ROUTES[key]?.() ?? {};
  const keys = Object.keys(known);
  const pair = fc
    .oneof({ arbitrary: keys.length > 0 ? fc.constantFrom(...keys) : nastyString, weight: 4 }, nastyString)
    .chain((key) =>
      fc.tuple(
        fc.constant(key),
        Object.hasOwn(known, key) ? fc.oneof(known[key] ?? nastyString, nastyString) : nastyString,
      ),
    );
  return fc.record({
    query: fc.array(pair, { maxLength: 5 }),
    authorization: fc.oneof(
      { arbitrary: fc.constantFrom(`Bearer ${TOKENS.acme}`, `Bearer ${TOKENS.globex}`), weight: 4 },
      { arbitrary: fc.constant(undefined), weight: 1 },
      { arbitrary: nastyAuthorization, weight: 1 },
    ),
    lastEventId: fc.option(headerValue),
    accept: fc.constantFrom("text/event-stream", "*/*", "application/json"),
  });
};

async function counts() {
  const [jobs, events] = await Promise.all([
    h.ctx.mongo.collections.jobs.countDocuments(),
    h.ctx.nats.jsm.streams.info(STREAMS.events),
  ]);
  return { jobs, events: events.state.messages };
}

describe("events HTTP fuzz", () => {
  it("has a request generator for every registered route, and no generator for a route that is gone", () => {
    const routes = routesOf(app).map(routeKey);
    expect(routes.filter((r) => !(r in ROUTES))).toEqual([]);
    expect(Object.keys(ROUTES).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it.each(Object.keys(ROUTES))(
    "%s: headers within 1 s, no 5xx, problems with stable codes, nothing written",
    async (key) => {
      const [method = "GET", path = ""] = key.split(" ");
      const url = path === "*" ? "/api/ai/jobs/stream/" : path;
      await fc.assert(
        fc.asyncProperty(requestOf(key), async ({ query, authorization, lastEventId, accept }) => {
          const before = await counts();
          const headers: Record<string, string> = { accept };
          if (authorization !== undefined) headers.authorization = authorization;
          if (lastEventId !== null) headers["last-event-id"] = lastEventId;
          if (method === "OPTIONS") {
            Object.assign(headers, { origin: "https://app.example", "access-control-request-method": "GET" });
          }
          const q = query.map(([k, v]) => `${encodeLoosely(k)}=${encodeLoosely(v)}`).join("&");
          const abort = new AbortController();
          const timer = setTimeout(() => abort.abort(), MAX_MS);
          const started = performance.now();
          let res: Response;
          try {
            res = await fetch(`${base}${url}${q ? `?${q}` : ""}`, { method, headers, signal: abort.signal });
          } catch (err) {
            throw new Error(`no headers within ${MAX_MS} ms (or the connection failed): ${String(err)}`);
          } finally {
            clearTimeout(timer);
          }
          const ms = performance.now() - started;
          // An open stream is closed at once: only its status and headers are checked.
          const streaming = res.headers.get("content-type") === "text/event-stream";
          if (streaming) await res.body?.cancel();
          const body = streaming ? "" : await res.text();
          const answer = `${res.status} ${body.slice(0, 300)}`;
          expect(res.status, answer).toBeLessThan(500);
          expect(ms, `headers after ${Math.round(ms)} ms`).toBeLessThan(MAX_MS);
          if (res.status >= 400) expect(problemDefect(res.headers.get("content-type"), body), answer).toBeNull();
          expect(await counts(), `a request wrote: ${answer}`).toEqual(before);
        }),
        {
          seed: FUZZ_SEED,
          numRuns: RUNS,
          interruptAfterTimeLimit: 40_000,
          markInterruptAsFailure: true,
          ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
        },
      );
    },
  );
});
