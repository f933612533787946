/**
 * What every gateway test file shares: one real nats-server and one FerretDB (or MONGO_URL) per file, the common
 * boot (provision + indexes) through bootService, and apps built in-process for `inject`.
 */
import { BUCKETS, STREAMS } from "@ai-jobs/contracts";
import { bootService, closeService, createIdGenerator, loadConfig, type ServiceContext } from "@ai-jobs/runtime";
import { type MongoServer, type NatsServer, startMongo, startNats } from "@ai-jobs/testkit";
import { type ObjectStore, Objm } from "@nats-io/obj";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../src/app.js";
import { configShape, type GatewayConfig } from "../src/config.js";

export const TOKEN = "t1";
export const OTHER_TOKEN = "t2";
export const auth = { authorization: `Bearer ${TOKEN}` };
export const otherAuth = { authorization: `Bearer ${OTHER_TOKEN}` };

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
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const baseEnv = {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    AUTH_TOKENS: `${TOKEN}:acme:admin,${OTHER_TOKEN}:globex:user`,
    LOG_LEVEL: "silent",
    ...env,
  };
  const config = loadConfig(configShape, baseEnv);
  const ctx = await bootService("gateway", "test", config);
  const materials = await new Objm(ctx.nats.js).open(BUCKETS.materials);
  const apps: FastifyInstance[] = [];
  const c = ctx.mongo.collections;
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
      const [plans, jobs, documents, jobsInfo, eventsInfo, objects, objInfo] = await Promise.all([
        c.plans.countDocuments(),
        c.jobs.countDocuments(),
        c.documents.countDocuments(),
        ctx.nats.jsm.streams.info(STREAMS.jobs),
        ctx.nats.jsm.streams.info(STREAMS.events),
        materials.list(),
        ctx.nats.jsm.streams.info(`OBJ_${BUCKETS.materials}`),
      ]);
      return {
        plans,
        jobs,
        documents,
        jobsStream: jobsInfo.state.messages,
        eventsStream: eventsInfo.state.messages,
        objects: objects.length,
        objectStoreMessages: objInfo.state.messages,
      };
    },
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
