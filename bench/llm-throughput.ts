/**
 * LLM job throughput: the planner worker (in process, real NATS and FerretDB or MONGO_URL) runs `plan.summary` jobs,
 * one model call each, against the OpenAI-compatible test server answering every call in a fixed 200 ms, through the
 * real openai SDK. With concurrency N (worker slots and LLM_CONCURRENCY both N) the ideal is N / 0.2 s jobs/s; the
 * rest is the platform's overhead per job: pull, validation, events, MongoDB reads and writes, usage record, ack.
 * Run: npm run bench -- llm   (BENCH_CONCURRENCY="1,4,16", BENCH_JOBS_PER_SLOT=20, BENCH_LLM_MS=200)
 */
import os from "node:os";
import { type JobCommand, SUBJECTS } from "@ai-jobs/contracts";
import { bootService, closeService, createIdGenerator, createServiceWorker, loadConfig } from "@ai-jobs/runtime";
import { mongoBackendLabel, planRecord, startMongo, startNats, startOpenAiServer } from "@ai-jobs/testkit";
import { configShape } from "../services/planner/src/config.js";
import { planner } from "../services/planner/src/planner.js";
import { providerFromConfig } from "../services/planner/src/providers/select.js";
import { plannerAnswer } from "../services/planner/src/testing/llm-answers.js";
import { fmt, median } from "./stats.js";

const levels = (process.env.BENCH_CONCURRENCY ?? "1,4,16").split(",").map(Number);
const jobsPerSlot = Number(process.env.BENCH_JOBS_PER_SLOT ?? 20);
const llmMs = Number(process.env.BENCH_LLM_MS ?? 200);
const TENANT = "bench";
const newId = createIdGenerator();

const [nats, mongo, llm] = await Promise.all([
  startNats(),
  process.env.MONGO_URL ? Promise.resolve(undefined) : startMongo(),
  startOpenAiServer({ respond: (request) => plannerAnswer(request, { delayMs: llmMs, chunks: 4 }) }),
]);
try {
  const rows: string[] = [];
  for (const n of levels) {
    const config = loadConfig(configShape, {
      NATS_URL: nats.url,
      MONGO_URL: process.env.MONGO_URL ?? mongo?.url,
      MONGO_DB: process.env.MONGO_URL ? `bench_llm_${Date.now()}` : mongo?.dbName,
      LOG_LEVEL: "warn",
      OPENAI_API_KEY: "sk-bench",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_CONCURRENCY: String(n),
    });
    const ctx = await bootService("planner", "bench", config);
    const worker = createServiceWorker(ctx, planner, {
      concurrency: n,
      instanceId: `bench-${n}`,
      provider: providerFromConfig(config, ctx.telemetry.tracer),
    });
    await worker.start();
    try {
      // One small plan (one day, two tasks), so the database's own scans stay out of the numbers.
      const planId = newId();
      await ctx.mongo.collections.plans.insertOne(
        planRecord(planId, TENANT, {
          userId: "u",
          title: "Bench plan",
          goal: "measure the platform",
          startDate: "2026-12-01",
          endDate: "2026-12-01",
          dailyMinutes: 30,
          generationStatus: "succeeded",
          provider: "offline",
        }),
      );

      const jobs = Math.max(30, jobsPerSlot * n);
      const publishedAt = new Map<string, number>();
      const latencies: number[] = [];
      let done = 0;
      let resolveAll: () => void = () => undefined;
      const allDone = new Promise<void>((resolve) => {
        resolveAll = resolve;
      });
      const sub = ctx.nats.nc.subscribe(`events.${TENANT}.*.*`, {
        callback: (_err, msg) => {
          const [, , jobId, kind] = msg.subject.split(".");
          if (kind === "failed") console.error(`job ${jobId} failed: ${msg.string()}`);
          if (kind !== "succeeded" && kind !== "failed") return;
          const at = publishedAt.get(jobId ?? "");
          if (at !== undefined) latencies.push(performance.now() - at);
          done += 1;
          if (done === jobs) resolveAll();
        },
      });
      llm.requests.length = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: jobs }, async () => {
          const command: JobCommand = {
            jobId: newId(),
            tenantId: TENANT,
            userId: "u",
            type: "plan.summary",
            queue: "ai_generation",
            priority: "normal",
            payload: { planId },
            createdAt: new Date().toISOString(),
          };
          publishedAt.set(command.jobId, performance.now());
          await ctx.messaging.publish(SUBJECTS.job("ai_generation", "normal", TENANT), command, {
            msgId: command.jobId,
          });
        }),
      );
      await allDone;
      const elapsedMs = performance.now() - t0;
      sub.unsubscribe();
      const perSecond = (jobs * 1_000) / elapsedMs;
      const ideal = (n * 1_000) / llmMs;
      // Each slot is busy elapsed/(jobs/n) per job; what exceeds the model's 200 ms is the platform.
      const overheadMs = (n * elapsedMs) / jobs - llmMs;
      // With BENCH_LLM_MS=0 there is no ideal: the row is the platform alone.
      const vsIdeal = llmMs > 0 ? [ideal.toFixed(1), `${((100 * perSecond) / ideal).toFixed(0)} %`] : ["—", "—"];
      rows.push(
        `| ${n} | ${jobs} | ${(elapsedMs / 1_000).toFixed(2)} s | ${perSecond.toFixed(1)} | ${vsIdeal.join(" | ")} | ${fmt(overheadMs)} | ${fmt(median(latencies))} | ${llm.requests.length} |`,
      );
    } finally {
      await worker.stop(5_000);
      await closeService(ctx);
    }
  }
  console.log(
    `machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, node ${process.version}, mongo: ${await mongoBackendLabel()}, model answer: ${llmMs} ms`,
  );
  console.log(
    "| concurrency | jobs | elapsed | jobs/s | ideal N/0.2 | efficiency | overhead per job | p50 publish → succeeded | LLM calls |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
} finally {
  await llm.close();
  await Promise.all([nats.cleanup(), mongo?.cleanup()]);
}
