/**
 * Submit latency of the real stack (four service processes, NATS, FerretDB or MONGO_URL):
 *   1. submit → SSE `result` time for single 14-day plans, one at a time on an idle stack: a client opens the
 *      stream right after the 202 and stops at `result`;
 *   2. POST /api/ai/study-plans/generate/ latency, sequential, p50/p99 over N requests, while the planner works the
 *      growing backlog, as it would in production;
 *   3. the same with the planner stopped: the gateway's own cost.
 * Phase 1 runs first: on FerretDB every filter except a single `_id` scans its collection, so a database grown by
 * phase 2 would measure FerretDB's scans rather than the platform (see docs/BENCHMARKS.md).
 * Run: npm run bench -- submit   (BENCH_REQUESTS, BENCH_PLANS tune the sample sizes)
 */
import os from "node:os";
import { mongoBackendLabel } from "@ai-jobs/testkit";
import { readSse } from "../test/support/sse.js";
import { startStack, TOKEN } from "../test/support/stack.js";
import { fmt, median, percentile } from "./stats.js";

const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const plans = Number(process.env.BENCH_PLANS ?? 20);
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const body = JSON.stringify({ goal: "Learn linear algebra", start_date: "2026-12-01", end_date: "2026-12-14" });

const stack = await startStack({ LOG_LEVEL: "warn" });
try {
  const submit = () => fetch(`${stack.gatewayUrl}/api/ai/study-plans/generate/`, { method: "POST", headers, body });

  const resultMs: number[] = [];
  for (let i = 0; i < plans + 2; i++) {
    const t0 = performance.now();
    const res = await submit();
    const { job_id } = (await res.json()) as { job_id: string };
    const stream = await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${job_id}`, { headers });
    await readSse(stream.body as ReadableStream<Uint8Array>, {
      stop: (events) => events.some((e) => e.event === "result"),
    });
    if (i >= 2) resultMs.push(performance.now() - t0); // the first two warm up JIT and connection pools
  }

  const postLatencies = async () => {
    const ms: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      const res = await submit();
      await res.text();
      ms.push(performance.now() - t0);
      if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
    }
    return ms;
  };
  const busyMs = await postLatencies();
  // The same again with no planner: the gateway's own cost, without a worker competing for the CPU and the database.
  await stack.services.planner.kill("SIGTERM");
  const aloneMs = await postLatencies();

  console.log(
    `machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, node ${process.version}, mongo: ${await mongoBackendLabel()}`,
  );
  console.log(
    `submit → SSE result, 14-day plan, idle stack (${plans} runs): p50 ${fmt(median(resultMs))}  p99 ${fmt(percentile(resultMs, 99))}`,
  );
  const line = (label: string, ms: number[]) =>
    console.log(
      `${label} (${ms.length} sequential): p50 ${fmt(median(ms))}  p99 ${fmt(percentile(ms, 99))}  max ${fmt(Math.max(...ms))}`,
    );
  line("POST /study-plans/generate/, planner working the backlog", busyMs);
  line("POST /study-plans/generate/, gateway alone (planner stopped)", aloneMs);
} finally {
  await stack.stop();
}
