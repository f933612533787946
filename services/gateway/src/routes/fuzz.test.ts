/**
 * Issue 13, "no input can stall a process": every route the gateway registers, fed random and hostile requests on
 * real NATS and FerretDB. Each request must be answered within 1 s, never with a 5xx; a 4xx is a problem+json with
 * a stable code and leaves the store and the streams as they were. Reproduce a failure with the seed and path that
 * fast-check prints: FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run services/gateway/src/routes/fuzz.test.ts
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ERROR_CODES, problem, type StudyDay, type StudyTask, SUBJECTS } from "@ai-jobs/contracts";
import { createIdGenerator } from "@ai-jobs/runtime";
import { FUZZ_SEED, problemDefect, routeKey, routesOf } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_ROUTES, type RealIds, requestsFor } from "../../test/fuzz-routes.js";
import { auth, type Counts, jobRecord, planBody, startHarness } from "../../test/harness.js";

/** Requests per route; the whole file stays well under a minute. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const MAX_MS = 1_000;
/** How long a request may go unanswered before the test stops waiting for it. */
const HUNG_MS = 5_000;

const h = useHarness(() => startHarness());
let app: FastifyInstance;
let events: http.Server;
const ids: RealIds = { plan: [], job: [], exportJob: [], day: [], task: [], seq: ["1"], apiKey: [] };

/**
 * Stands in for the events service behind the proxied stream route, answering as it does for a job it does not
 * know. The events service's own routes are fuzzed in services/events (its SSE route fuzz test).
 */
async function startEventsStandIn(): Promise<string> {
  events = http.createServer((_req, res) => {
    res.writeHead(404, { "content-type": "application/problem+json" });
    res.end(JSON.stringify(problem(404, ERROR_CODES.notFound, "job not found")));
  });
  events.listen(0, "127.0.0.1");
  await once(events, "listening");
  return `http://127.0.0.1:${(events.address() as AddressInfo).port}`;
}

async function seed(): Promise<void> {
  const c = h.ctx.mongo.collections;
  const newId = createIdGenerator();
  const generated = await app.inject({
    method: "POST",
    url: "/api/ai/study-plans/generate/",
    headers: auth,
    payload: planBody(),
  });
  const { id: planId, job_id: planJob } = generated.json<{ id: string; job_id: string }>();
  const day: StudyDay = {
    _id: `${planId}-d0`,
    tenantId: "acme",
    planId,
    index: 0,
    date: "2026-12-01",
    title: "Day 1",
    sections: [{ id: "s1", title: "Learn" }],
    status: "pending",
  };
  const task: StudyTask = {
    _id: `${day._id}-s1-t0`,
    tenantId: "acme",
    planId,
    dayId: day._id,
    sectionId: "s1",
    index: 0,
    title: "Read",
    kind: "read",
    estimatedMinutes: 15,
    status: "todo",
    timeSpentMinutes: 0,
    sourceChunkIds: [],
  };
  await c.days.insertOne(day);
  await c.tasks.insertOne(task);
  const failed = newId();
  const exported = newId();
  await c.jobs.insertMany([
    jobRecord(failed),
    jobRecord(exported, { type: "plan.export", status: "succeeded", lastError: null }),
  ]);
  await c.deadLetters.insertOne({
    _id: 1,
    tenantId: "acme",
    jobId: failed,
    queue: "ai_generation",
    type: "plan.generate",
    error: { code: "ATTEMPTS_EXHAUSTED", message: "the planner failed 3 times" },
    attempts: 3,
    originalSubject: SUBJECTS.job("ai_generation", "normal", "acme"),
    at: new Date(),
    replayedAt: null,
  });
  const key = await app.inject({
    method: "POST",
    url: "/api/ai/api-keys/",
    headers: auth,
    payload: { name: "fuzz", scopes: ["read"] },
  });
  Object.assign(ids, {
    plan: [planId],
    job: [planJob, failed],
    exportJob: [exported],
    day: [day._id],
    task: [task._id],
    apiKey: [key.json<{ id: string }>().id],
  });
}

beforeAll(async () => {
  const eventsUrl = await startEventsStandIn();
  app = await h.app({ EVENTS_URL: eventsUrl, STREAM_TOKEN_SECRET: "fuzz-stream-token-secret-of-32-bytes!" });
  await app.ready();
  await seed();
});

afterAll(async () => {
  events?.closeAllConnections();
  await new Promise((resolve) => events?.close(resolve));
});

const registered = () => routesOf(app).map(routeKey);

describe("gateway fuzz", () => {
  it("has a request generator for every registered route, and no generator for a route that is gone", () => {
    const routes = registered();
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => !(r in GATEWAY_ROUTES))).toEqual([]);
    expect(Object.keys(GATEWAY_ROUTES).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it.each(Object.keys(GATEWAY_ROUTES))(
    "%s: no 5xx, no stall, problems with stable codes, no partial write",
    async (key) => {
      const [method = "", url = ""] = key.split(" ");
      const input = GATEWAY_ROUTES[key] ?? {};
      await fc.assert(
        fc.asyncProperty(requestsFor(method, url, input, ids), async (request) => {
          const before = await h.counts();
          const started = performance.now();
          // A request that never answers fails here, not as the suite's timeout.
          const res = await Promise.race([
            app.inject(request),
            sleep(HUNG_MS).then(() => {
              throw new Error(`no answer within ${HUNG_MS} ms`);
            }),
          ]);
          const ms = performance.now() - started;
          const answer = `${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, answer).toBeLessThan(500);
          expect(ms, `answered in ${Math.round(ms)} ms`).toBeLessThan(MAX_MS);
          if (res.statusCode >= 400) {
            expect(problemDefect(res.headers["content-type"], res.body), answer).toBeNull();
            const after = await h.counts();
            // A file stored before a later check refused the upload is deleted again; its delete marker stays in
            // the object store's stream (as in materials.test.ts), the file does not (`objects`).
            const changed = (Object.keys(before) as (keyof Counts)[])
              .filter((k) => before[k] !== after[k] && !(k === "objectStoreMessages" && after[k] === before[k] + 1))
              .map((k) => `${k} ${before[k]} → ${after[k]}`);
            expect(changed, `a refused request wrote: ${answer}`).toEqual([]);
          }
        }),
        {
          seed: FUZZ_SEED,
          numRuns: RUNS,
          // Shrinking slow requests can outlast the test's timeout: report what was found by then.
          interruptAfterTimeLimit: 40_000,
          markInterruptAsFailure: true,
          ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
          // A huge counterexample printed in full drowns the reason: the seed and path reproduce it.
          includeErrorInReport: true,
        },
      );
    },
  );
});
