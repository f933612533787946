/**
 * What every gateway test file shares, on the testkit's service harness (one nats-server and one FerretDB or
 * MONGO_URL per file, the gateway's boot): apps built in-process for `inject`, the counts a refused request must leave
 * unchanged, and a job as the gateway reads it.
 */
import { BUCKETS, GeneratePlanResponse, Problem, STREAMS } from "@ai-jobs/contracts";
import { createIdGenerator, type JobReader, loadConfig } from "@ai-jobs/runtime";
import { type ServiceHarness, startServiceHarness } from "@ai-jobs/testkit";
import { type ObjectStore, Objm } from "@nats-io/obj";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { configShape, type GatewayConfig } from "../src/config.js";
import type { StoredJob } from "../src/data/jobs.js";

export const TOKEN = "t1";
export const OTHER_TOKEN = "t2";
/** acme, role admin. */
export const auth = { authorization: `Bearer ${TOKEN}` };
/** globex, role user. */
export const otherAuth = { authorization: `Bearer ${OTHER_TOKEN}` };
/** globex, role admin. */
export const otherAdminAuth = { authorization: "Bearer t3" };
/** acme, role user. */
export const userAuth = { authorization: "Bearer t4" };

export interface Harness extends Omit<ServiceHarness<GatewayConfig>, "counts"> {
  materials: ObjectStore;
  /** A gateway app on the shared connections; `env` overrides settings such as UPLOAD_MAX_BYTES. */
  app(env?: Record<string, string>): Promise<FastifyInstance>;
  /** Every count a rejected request must leave unchanged. */
  counts(): Promise<Counts>;
  /**
   * A job as the gateway reads it (the projected record overlaid with its events). No projector runs in the gateway
   * tests, so a job submitted here exists only as its events until then: this is how to look at it.
   */
  readJob(jobId: string, tenantId?: string): ReturnType<JobReader["find"]>;
}

export interface Counts {
  plans: number;
  jobs: number;
  documents: number;
  jobsStream: number;
  eventsStream: number;
  objects: number;
  objectStoreMessages: number;
  delayedStream: number;
  idempotencyKeys: number;
  apiKeys: number;
}

const config = (env: Record<string, string>) => loadConfig(configShape, env);

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startServiceHarness({
    service: "gateway",
    config,
    env: {
      AUTH_TOKENS: `${TOKEN}:acme:admin,${OTHER_TOKEN}:globex:user,t3:globex:admin,t4:acme:user`,
      // The app runs on the test runner's own event loop, which stalls under a loaded machine: no shedding on delay
      // here (plugins/load-shedding.test.ts turns it on).
      SHED_EVENT_LOOP_DELAY_MS: "0",
      ...env,
    },
  });
  const { log, messaging, events, nats, mongo } = h.ctx;
  const materials = await new Objm(nats.js).open(BUCKETS.materials);
  return {
    ...h,
    materials,
    async app(overrides = {}) {
      const settings = config({ ...h.env, ...overrides });
      const app = await buildApp({ config: settings, log, messaging, events, nats, mongo, ids: createIdGenerator() });
      h.onClose(() => app.close());
      return app;
    },
    async counts() {
      const [counted, objects] = await Promise.all([
        h.counts({
          collections: ["plans", "jobs", "documents", "idempotencyKeys", "apiKeys"],
          streams: {
            jobsStream: STREAMS.jobs,
            eventsStream: STREAMS.events,
            objectStoreMessages: `OBJ_${BUCKETS.materials}`,
            delayedStream: STREAMS.delayed,
          },
        }),
        materials.list(),
      ]);
      return { ...counted, objects: objects.length };
    },
    readJob: (jobId, tenantId = "acme") => h.reader.find(tenantId, jobId),
  };
}

/** A valid plan request body. */
export const planBody = (overrides: Record<string, unknown> = {}) => ({
  goal: "Learn linear algebra well enough to follow a machine learning course",
  start_date: "2026-12-01",
  end_date: "2026-12-07",
  ...overrides,
});

/** Creates a plan through the API as the acme admin; resolves with its id. */
export async function createPlan(app: FastifyInstance): Promise<string> {
  const res = await app.inject({
    method: "POST",
    url: "/api/ai/study-plans/generate/",
    headers: auth,
    payload: planBody(),
  });
  return GeneratePlanResponse.parse(res.json()).id;
}

/** A stored job record for tests that need a job in a given state; a valid `plan.generate` job by default. */
export function jobRecord(id: string, overrides: Partial<StoredJob> = {}): StoredJob {
  const at = new Date("2026-11-01T10:00:00Z");
  return {
    _id: id,
    tenantId: "acme",
    userId: "u_test",
    type: "plan.generate",
    queue: "ai_generation",
    priority: "normal",
    status: "failed",
    progress: { pct: 40, step: "drafting" },
    attempt: 3,
    maxAttempts: 3,
    payload: {
      planId: `plan-${id}`,
      goal: "Learn linear algebra",
      title: "Linear algebra",
      studyContext: null,
      startDate: "2026-12-01",
      endDate: "2026-12-07",
      dailyMinutes: 60,
    },
    resultRefs: null,
    lastError: { code: "ATTEMPTS_EXHAUSTED", message: "the planner failed 3 times" },
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    finishedAt: at,
    dispatchedAt: at,
    traceId: null,
    retries: 0,
    // Below every event the tests publish for it: the events apply on top (reads overlay them).
    seq: 0,
    statusSeq: 0,
    ...overrides,
  };
}

/** The problem+json body of a refusal, checked for its content type. */
export function problemOf(res: { headers: Record<string, unknown>; json(): unknown }): Problem {
  const type = res.headers["content-type"];
  if (typeof type !== "string" || !type.includes("application/problem+json")) {
    throw new Error(`expected a problem+json answer, got ${String(type)}: ${JSON.stringify(res.json())}`);
  }
  return Problem.parse(res.json());
}
