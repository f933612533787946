/**
 * plan.generate of one long plan: the planner worker in process on the testkit's service harness (real nats-server
 * and FerretDB, or MONGO_URL), the
 * real openai SDK, and the OpenAI-compatible test server of libs/testkit answering every call after a fixed delay
 * (streamed). The same job runs twice in one process: (a) parallel, days drafted LLM_CONCURRENCY at a time, and
 * (b) sequential, the same handler with a provider whose concurrency is 1 (same code path, same limiter), the
 * honest baseline. The clock runs from the publish of the command to its `succeeded` event.
 * Run: npm run bench -- plan   (BENCH_PLAN_DAYS=30, BENCH_LLM_MS=1000, BENCH_LLM_CONCURRENCY=8)
 */
import os from "node:os";
import { createIdGenerator, createServiceWorker, loadConfig } from "@ai-jobs/runtime";
import {
  mongoBackendLabel,
  peakConcurrency,
  planRecord,
  type ServiceHarness,
  startOpenAiServer,
  startServiceHarness,
} from "@ai-jobs/testkit";
import { configShape } from "../services/planner/src/config.js";
import { addDays } from "../services/planner/src/domain/dates.js";
import { planner } from "../services/planner/src/planner.js";
import { providerFromConfig } from "../services/planner/src/providers/select.js";
import type { PlanProvider } from "../services/planner/src/providers/types.js";
import { generatePayload } from "../services/planner/src/testing/fixtures.js";
import { plannerAnswer, promptDataOf } from "../services/planner/src/testing/llm-answers.js";

export interface PlanGenerateOptions {
  /** Days in the plan. */
  days: number;
  /** The test server answers every model call after this long. */
  llmMs: number;
  llmConcurrency: number;
}

export interface PlanGenerateRun {
  /** Days drafted at once: LLM_CONCURRENCY, or 1. */
  concurrency: number;
  /** Publish of the command → its `succeeded` event. */
  elapsedMs: number;
  /** Model calls the job made, and how many of them were outline calls. */
  calls: number;
  outlineCalls: number;
  /** The most calls the test server had open at once. */
  peakCalls: number;
}

export interface PlanGenerateResult {
  options: PlanGenerateOptions;
  parallel: PlanGenerateRun;
  sequential: PlanGenerateRun;
}

export const PLAN_BENCH_DEFAULTS: PlanGenerateOptions = { days: 30, llmMs: 1_000, llmConcurrency: 8 };
const TENANT = "bench_plan";
const newId = createIdGenerator();

/** Both runs on fresh servers of their own, with a test model server. */
export async function benchPlanGenerate(
  options: PlanGenerateOptions = PLAN_BENCH_DEFAULTS,
): Promise<PlanGenerateResult> {
  const llm = await startOpenAiServer({
    respond: (request) => plannerAnswer(request, { delayMs: options.llmMs, chunks: 4 }),
  });
  let h: ServiceHarness<ReturnType<typeof loadConfig<typeof configShape>>>;
  try {
    h = await startServiceHarness({
      service: "planner",
      config: (env) => loadConfig(configShape, env),
      env: {
        LOG_LEVEL: "warn",
        OPENAI_API_KEY: "sk-bench",
        OPENAI_BASE_URL: llm.baseUrl,
        LLM_CONCURRENCY: String(options.llmConcurrency),
      },
    });
  } catch (err) {
    await llm.close();
    throw err;
  }
  h.onClose(() => llm.close());
  try {
    const provider = providerFromConfig(h.config, h.ctx.telemetry.tracer);
    const run = async (drafting: PlanProvider): Promise<PlanGenerateRun> => {
      llm.requests.length = 0;
      const elapsedMs = await generateOnce(h, drafting, options.days);
      return {
        concurrency: drafting.concurrency,
        elapsedMs,
        calls: llm.requests.length,
        outlineCalls: llm.requests.filter((r) => promptDataOf(r).task === "outline").length,
        peakCalls: peakConcurrency(llm.requests),
      };
    };
    const parallel = await run(provider);
    const sequential = await run({ ...provider, concurrency: 1 });
    return { options, parallel, sequential };
  } finally {
    await h.close();
  }
}

/** One plan.generate job on a fresh worker with `provider`: ms from publish to `succeeded`. */
async function generateOnce(h: ServiceHarness, provider: PlanProvider, days: number): Promise<number> {
  const worker = createServiceWorker(h.ctx, planner, {
    concurrency: 1,
    instanceId: `bench-plan-${provider.concurrency}`,
    provider,
    pullExpiresMs: 1_000,
  });
  await worker.start();
  try {
    const plan = planRecord(newId(), TENANT, {
      goal: "graph theory: paths, trees, flows and colourings",
      startDate: "2026-12-01",
      endDate: addDays("2026-12-01", days - 1),
    });
    await h.ctx.mongo.collections.plans.insertOne(plan);
    const t0 = performance.now();
    const { jobId } = await h.publishCommand({
      tenantId: TENANT,
      type: "plan.generate",
      payload: generatePayload(plan),
    });
    const events = await h.eventsOf(TENANT, jobId, { timeoutMs: 300_000 });
    const elapsedMs = performance.now() - t0;
    const last = events.at(-1);
    if (last?.kind !== "succeeded") throw new Error(`plan.generate ended ${last?.kind}: ${JSON.stringify(last?.data)}`);
    return elapsedMs;
  } finally {
    await worker.stop(5_000);
  }
}

const seconds = (ms: number) => `${(ms / 1_000).toFixed(2)} s`;

/** `npm run bench -- plan`: both runs on fresh servers, printed as a Markdown table. */
export async function main(): Promise<void> {
  const options: PlanGenerateOptions = {
    days: Number(process.env.BENCH_PLAN_DAYS ?? PLAN_BENCH_DEFAULTS.days),
    llmMs: Number(process.env.BENCH_LLM_MS ?? PLAN_BENCH_DEFAULTS.llmMs),
    llmConcurrency: Number(process.env.BENCH_LLM_CONCURRENCY ?? PLAN_BENCH_DEFAULTS.llmConcurrency),
  };
  const loadBefore = os.loadavg().map((l) => l.toFixed(2));
  const { parallel, sequential } = await benchPlanGenerate(options);
  console.log(
    `machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, node ${process.version}, mongo: ${await mongoBackendLabel()}, load average ${loadBefore.join(", ")} before, ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")} after`,
  );
  console.log(
    `plan.generate, ${options.days} days, every model call answered after ${options.llmMs} ms, LLM_CONCURRENCY=${options.llmConcurrency}`,
  );
  console.log("| drafting | elapsed | model calls (outline) | most calls in flight |");
  console.log("|---|---|---|---|");
  for (const [label, r] of [
    [`parallel (${parallel.concurrency} at a time)`, parallel],
    ["sequential (1 at a time)", sequential],
  ] as const) {
    console.log(`| ${label} | ${seconds(r.elapsedMs)} | ${r.calls} (${r.outlineCalls}) | ${r.peakCalls} |`);
  }
  console.log(`speed-up: ${(sequential.elapsedMs / parallel.elapsedMs).toFixed(1)}×`);
}
