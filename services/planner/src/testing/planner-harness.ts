/**
 * Test support (not built): the planner's worker on the testkit's service harness, with or without the
 * OpenAI-compatible test server. The integration suites share it instead of each repeating the boot and the teardown.
 */
import { loadConfig, type ServiceContext, type Worker } from "@ai-jobs/runtime";
import { type OpenAiTestServer, type ServiceHarness, startOpenAiServer, startServiceHarness } from "@ai-jobs/testkit";
import { configShape } from "../config.js";
import { type PlannerWorkerOptions, planner } from "../planner.js";
import { providerFromConfig } from "../providers/select.js";

export type PlannerConfig = ReturnType<typeof loadConfig<typeof configShape>>;

export interface PlannerHarness extends ServiceHarness<PlannerConfig> {
  /** The OpenAI-compatible test server, when asked for (`OPENAI_BASE_URL` points at it, with a test key). */
  llm: OpenAiTestServer | undefined;
  worker: Worker;
}

/** A planner harness with the OpenAI-compatible test server (`llm: true`). */
export type PlannerModelHarness = PlannerHarness & { llm: OpenAiTestServer };

export interface PlannerHarnessOptions {
  /** `SERVICE_INSTANCE_ID`, and the worker's instance id. */
  instanceId: string;
  /** Service settings beyond the connections (LLM_*, JOB_TIMEOUTS_MS, …). */
  env?: Record<string, string>;
  /** Start the OpenAI-compatible test server and point the planner at it (the provider its config selects). */
  llm?: boolean;
  /** The worker's options beyond one slot, 1 s long-polls and the provider: from the booted service and its config. */
  worker?(ctx: ServiceContext, config: PlannerConfig): Partial<PlannerWorkerOptions>;
}

export function startPlannerHarness(opts: PlannerHarnessOptions & { llm: true }): Promise<PlannerModelHarness>;
export function startPlannerHarness(opts: PlannerHarnessOptions): Promise<PlannerHarness>;
export async function startPlannerHarness(opts: PlannerHarnessOptions): Promise<PlannerHarness> {
  const llm = opts.llm ? await startOpenAiServer() : undefined;
  let h: ServiceHarness<PlannerConfig>;
  try {
    h = await startServiceHarness({
      service: "planner",
      config: (env) => loadConfig(configShape, env),
      env: {
        SERVICE_INSTANCE_ID: opts.instanceId,
        ...(llm ? { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: llm.baseUrl } : {}),
        ...opts.env,
      },
    });
  } catch (err) {
    await llm?.close();
    throw err;
  }
  if (llm) h.onClose(() => llm.close());
  const worker = await h.startWorker(planner, {
    concurrency: 1,
    instanceId: opts.instanceId,
    pullExpiresMs: 1_000,
    ...(llm ? { provider: providerFromConfig(h.config, h.ctx.telemetry.tracer) } : {}),
    ...opts.worker?.(h.ctx, h.config),
  });
  return { ...h, llm, worker };
}
