/**
 * Submit latency of the real stack (four service processes, NATS, FerretDB or MONGO_URL):
 *   1. POST /api/ai/study-plans/generate/ latency, sequential, p50/p99 over N requests;
 *   2. submit → SSE `result` time for single plans, measured by a client that opens the stream right after the 202.
 * Run: npm run bench -- submit   (BENCH_REQUESTS, BENCH_PLANS tune the sample sizes)
 */
import os from "node:os";
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
  for (let i = 0; i < 20; i++) await (await submit()).text(); // warm-up: JIT, connection pools

  const postMs: number[] = [];
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const res = await submit();
    await res.text();
    postMs.push(performance.now() - t0);
    if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
  }

  const resultMs: number[] = [];
  for (let i = 0; i < plans; i++) {
    const t0 = performance.now();
    const res = await submit();
    const { job_id } = (await res.json()) as { job_id: string };
    const stream = await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${job_id}`, { headers });
    await readSse(stream.body as ReadableStream<Uint8Array>, {
      stop: (events) => events.some((e) => e.event === "result"),
    });
    resultMs.push(performance.now() - t0);
  }

  console.log(
    `machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, node ${process.version}`,
  );
  console.log(
    `POST /study-plans/generate/ (${requests} sequential): p50 ${fmt(median(postMs))}  p99 ${fmt(percentile(postMs, 99))}  max ${fmt(Math.max(...postMs))}`,
  );
  console.log(
    `submit → SSE result, 14-day plan (${plans} runs): p50 ${fmt(median(resultMs))}  p99 ${fmt(percentile(resultMs, 99))}`,
  );
} finally {
  await stack.stop();
}
