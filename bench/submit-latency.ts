/**
 * Submit latency of the real stack (four service processes, NATS, FerretDB or MONGO_URL):
 *   1. submit → SSE `result` time for single 14-day plans, one at a time on an idle stack: a client opens the
 *      stream right after the 202 and stops at `result`;
 *   2. POST /api/ai/study-plans/generate/ latency, sequential, p50/p99 over N requests, while the planner works the
 *      growing backlog, as it would in production;
 *   3. the same with the planner stopped: the gateway's own cost, alternating two tenants: acme at the default cap
 *      on waiting jobs (JetStream enforces it, nothing counted) and globex given a lower one (the gateway counts its
 *      waiting jobs before each submit), so the two lines price that count in one run.
 * Phase 1 runs first: on FerretDB every filter except a single `_id` scans its collection, so a database grown by
 * phase 2 would measure FerretDB's scans rather than the platform (see docs/BENCHMARKS.md).
 * Run: npm run bench -- submit   (BENCH_REQUESTS, BENCH_PLANS tune the sample sizes)
 */
import os from "node:os";
import { mongoBackendLabel, readSse } from "@ai-jobs/testkit";
import { OTHER_TOKEN, startStack, TOKEN } from "../test/support/stack.js";
import { fmt, median, percentile } from "./stats.js";

const requests = Number(process.env.BENCH_REQUESTS ?? 200);
const plans = Number(process.env.BENCH_PLANS ?? 20);
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const counted = { ...headers, authorization: `Bearer ${OTHER_TOKEN}` };
const body = JSON.stringify({ goal: "Learn linear algebra", start_date: "2026-12-01", end_date: "2026-12-14" });

// globex's cap is below JOBS' per-subject limit (the default, 50,000), so its submits are counted.
const stack = await startStack({ LOG_LEVEL: "warn", JOBS_MAX_PER_TENANT_TENANTS: "globex=49999" });
try {
  const submit = (as: Record<string, string> = headers) =>
    fetch(`${stack.gatewayUrl}/api/ai/study-plans/generate/`, { method: "POST", headers: as, body });

  const resultMs: number[] = [];
  for (let i = 0; i < plans + 2; i++) {
    const t0 = performance.now();
    const res = await submit();
    const { job_id } = (await res.json()) as { job_id: string };
    const stream = await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${job_id}`, { headers });
    await readSse(stream, { until: (read) => read.messages.some((e) => e.event === "result"), timeoutMs: 60_000 });
    if (i >= 2) resultMs.push(performance.now() - t0); // the first two warm up JIT and connection pools
  }

  /** Sequential POSTs, alternating between the given callers; one list of latencies per caller. */
  const postLatencies = async (callers: Array<Record<string, string>>) => {
    const ms = callers.map((): number[] => []);
    for (let i = 0; i < requests * callers.length; i++) {
      const t0 = performance.now();
      const res = await submit(callers[i % callers.length]);
      await res.text();
      ms[i % callers.length]?.push(performance.now() - t0);
      if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
    }
    return ms;
  };
  const [busyMs = []] = await postLatencies([headers]);
  // The same again with no planner: the gateway's own cost, without a worker competing for the CPU and the database.
  await stack.services.planner.kill("SIGTERM");
  const [aloneMs = [], aloneCountedMs = []] = await postLatencies([headers, counted]);

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
  line("  the same, alternated, a tenant with a lowered waiting-jobs cap (counted)", aloneCountedMs);
} finally {
  await stack.stop();
}
