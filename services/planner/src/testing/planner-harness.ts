/**
 * Test support (not built): the planner booted in this process against a real nats-server and FerretDB (or
 * MONGO_URL), with or without the OpenAI-compatible test server, and its worker running. The integration suites
 * share it instead of each repeating the boot and the teardown.
 */
import {
  bootService,
  closeService,
  createServiceWorker,
  loadConfig,
  type ServiceContext,
  type Worker,
} from "@ai-jobs/runtime";
import {
  type MongoServer,
  type NatsServer,
  type OpenAiTestServer,
  startMongo,
  startNats,
  startOpenAiServer,
} from "@ai-jobs/testkit";
import { configShape } from "../config.js";
import { type PlannerWorkerOptions, planner } from "../planner.js";

export type PlannerConfig = ReturnType<typeof loadConfig<typeof configShape>>;

export interface PlannerHarness {
  ctx: ServiceContext;
  config: PlannerConfig;
  nats: NatsServer;
  mongo: MongoServer;
  /** The OpenAI-compatible test server, when asked for (`OPENAI_BASE_URL` points at it, with a test key). */
  llm: OpenAiTestServer | undefined;
  worker: Worker;
  stop(): Promise<void>;
}

export interface PlannerHarnessOptions {
  /** Service settings beyond the connections (SERVICE_INSTANCE_ID, LLM_*, JOB_TIMEOUTS_MS, …). */
  env?: Record<string, string>;
  /** Start the OpenAI-compatible test server and point the planner at it. */
  llm?: boolean;
  /** The worker's options, from the booted service and its config. */
  worker(ctx: ServiceContext, config: PlannerConfig): PlannerWorkerOptions;
}

export async function startPlannerHarness(opts: PlannerHarnessOptions): Promise<PlannerHarness> {
  const [nats, mongo, llm] = await Promise.all([
    startNats(),
    startMongo(),
    opts.llm ? startOpenAiServer() : Promise.resolve(undefined),
  ]);
  const config = loadConfig(configShape, {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    LOG_LEVEL: "silent",
    ...(llm ? { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: llm.baseUrl } : {}),
    ...opts.env,
  });
  const ctx = await bootService("planner", "test", config);
  const worker = createServiceWorker(ctx, planner, opts.worker(ctx, config));
  await worker.start();
  return {
    ctx,
    config,
    nats,
    mongo,
    llm,
    worker,
    async stop() {
      await worker.stop(2_000);
      await closeService(ctx);
      await Promise.all([nats.cleanup(), mongo.cleanup(), llm?.close()]);
    },
  };
}
