/**
 * What every gateway test file shares: one real nats-server and one FerretDB (or MONGO_URL) per file, the common
 * boot (provision + indexes) through bootService, and apps built in-process for `inject`.
 */
import { BUCKETS, GeneratePlanResponse, Problem, STREAMS } from "@ai-jobs/contracts";
import {
  bootService,
  closeService,
  createIdGenerator,
  createJobOutbox,
  createJobReader,
  type JobReader,
  loadConfig,
  type ServiceContext,
} from "@ai-jobs/runtime";
import { type MongoServer, type NatsServer, startMongo, startNats } from "@ai-jobs/testkit";
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

export interface Harness {
  nats: NatsServer;
  mongo: MongoServer;
  ctx: ServiceContext;
  config: GatewayConfig;
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
  stop(): Promise<void>;
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

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const baseEnv = {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    AUTH_TOKENS: `${TOKEN}:acme:admin,${OTHER_TOKEN}:globex:user,t3:globex:admin,t4:acme:user`,
    LOG_LEVEL: "silent",
    // The app runs on the test runner's own event loop, which stalls under a loaded machine: no shedding on delay
    // here (plugins/load-shedding.test.ts turns it on).
    SHED_EVENT_LOOP_DELAY_MS: "0",
    ...env,
  };
  const config = loadConfig(configShape, baseEnv);
  const ctx = await bootService("gateway", "test", config);
  const materials = await new Objm(ctx.nats.js).open(BUCKETS.materials);
  const apps: FastifyInstance[] = [];
  const c = ctx.mongo.collections;
  const reader = createJobReader({
    jobs: c.jobs,
    jsm: ctx.nats.jsm,
    outbox: createJobOutbox(c.jobOutbox),
    log: ctx.log,
  });
  return {
    nats,
    mongo,
    ctx,
    config,
    materials,
    async app(overrides = {}) {
      const app = await buildApp({
        config: loadConfig(configShape, { ...baseEnv, ...overrides }),
        log: ctx.log,
        messaging: ctx.messaging,
        events: ctx.events,
        nats: ctx.nats,
        mongo: ctx.mongo,
        ids: createIdGenerator(),
      });
      apps.push(app);
      return app;
    },
    async counts() {
      const [plans, jobs, documents, jobsInfo, eventsInfo, objects, objInfo, delayedInfo, idempotencyKeys, apiKeys] =
        await Promise.all([
          c.plans.countDocuments(),
          c.jobs.countDocuments(),
          c.documents.countDocuments(),
          ctx.nats.jsm.streams.info(STREAMS.jobs),
          ctx.nats.jsm.streams.info(STREAMS.events),
          materials.list(),
          ctx.nats.jsm.streams.info(`OBJ_${BUCKETS.materials}`),
          ctx.nats.jsm.streams.info(STREAMS.delayed),
          c.idempotencyKeys.countDocuments(),
          c.apiKeys.countDocuments(),
        ]);
      return {
        plans,
        jobs,
        documents,
        jobsStream: jobsInfo.state.messages,
        eventsStream: eventsInfo.state.messages,
        objects: objects.length,
        objectStoreMessages: objInfo.state.messages,
        delayedStream: delayedInfo.state.messages,
        idempotencyKeys,
        apiKeys,
      };
    },
    readJob: (jobId, tenantId = "acme") => reader.find(tenantId, jobId),
    async stop() {
      await Promise.all(apps.map((a) => a.close()));
      await closeService(ctx).catch(() => undefined);
      await Promise.all([nats.cleanup(), mongo.cleanup()]);
    },
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
