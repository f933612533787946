/**
 * SSE fan-out, reused: bench/sse-fanout.ts in a child process at a small N (its full runs are in their own section
 * of docs/BENCHMARKS.md), parsed from its output line.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "@ai-jobs/testkit";

export interface SseRun {
  clients: number;
  delivered: number;
  expected: number;
  p50: number;
  p99: number;
}

export async function sseFanout(opts: { clients: number; events: number; settleMs: number }): Promise<SseRun> {
  const root = repoRoot();
  const { stdout } = await promisify(execFile)(
    path.join(root, "node_modules", ".bin", "tsx"),
    ["--conditions=source", path.join(root, "bench", "sse-fanout.ts")],
    {
      cwd: root,
      env: {
        ...process.env,
        BENCH_SSE_CLIENTS: String(opts.clients),
        BENCH_SSE_EVENTS: String(opts.events),
        BENCH_SSE_SETTLE_MS: String(opts.settleMs),
      },
      timeout: 300_000,
    },
  );
  const m = stdout.match(/(\d+)\/(\d+) deliveries; latency p50 ([\d.]+) ms\s+p99 ([\d.]+) ms/);
  if (!m) throw new Error(`unexpected sse-fanout output:\n${stdout}`);
  return {
    clients: opts.clients,
    delivered: Number(m[1]),
    expected: Number(m[2]),
    p50: Number(m[3]),
    p99: Number(m[4]),
  };
}
