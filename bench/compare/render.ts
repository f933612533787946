/** The suite's results as the Markdown written into docs/BENCHMARKS.md between the compare markers. */
import type { LoadRun } from "./gateway-load.js";
import { type DispatchRow, type DispatchSystem, med, type SuiteResult } from "./suite.js";
import type { DispatchRun } from "./types.js";

const LABELS: Record<DispatchSystem, string> = {
  raw: "raw JetStream (nats.js publish + consume + ack)",
  bullmq: "BullMQ (addBulk + Worker, Redis)",
  platform: "platform, publish API (record insert + queued event + command)",
  "platform+projection": "platform, publish API + events projector",
  gateway: "platform, gateway HTTP (POST /study-plans/generate/)",
};

const TERMINAL: Record<DispatchSystem, string> = {
  raw: "acked",
  bullmq: "`completed` in Redis",
  platform: "— (not stored)",
  "platform+projection": "`succeeded` in MongoDB",
  gateway: "`succeeded` in MongoDB",
};

const ms = (v: number) => (Number.isNaN(v) ? "—" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(1)} ms`);
const rate = (v: number) => (Number.isNaN(v) ? "—" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const int = (v: number) => v.toLocaleString("en-US");
const ratio = (a: number, b: number) =>
  Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "—" : `${(a / b).toFixed(2)}×`;
/** The median in bold, then every run's value. */
const cell = (runs: DispatchRun[], pick: (r: DispatchRun) => number, f: (v: number) => string) =>
  `**${f(med(runs, pick))}** (${runs.map((r) => f(pick(r))).join(", ")})`;

function dispatchTable(rows: DispatchRow[]): string[] {
  const out = [
    "| system | jobs | enqueue jobs/s | drain jobs/s | submit → handler start p50 | p99 | submit → terminal p50 | p99 | terminal means |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const { system, runs } of rows) {
    out.push(
      `| ${LABELS[system]} | ${int(runs[0]?.jobs ?? 0)} | ${cell(runs, (r) => r.enqueuePerS, rate)} | ${cell(runs, (r) => r.drainPerS, rate)} | ${cell(runs, (r) => r.startP50, ms)} | ${cell(runs, (r) => r.startP99, ms)} | ${cell(runs, (r) => r.terminalP50, ms)} | ${cell(runs, (r) => r.terminalP99, ms)} | ${TERMINAL[system]} |`,
    );
  }
  return out;
}

function prefilledTable(rows: DispatchRow[]): string[] {
  const out = [
    "| system | jobs | enqueue jobs/s (no consumer) | drain jobs/s (full queue) | enqueue vs raw JetStream | vs BullMQ | drain vs raw JetStream | vs BullMQ |",
    "|---|---|---|---|---|---|---|---|",
  ];
  const peer = (system: DispatchSystem) => rows.find((r) => r.system === system)?.runs ?? [];
  for (const { system, runs } of rows) {
    const r = (other: DispatchRun[], pick: (x: DispatchRun) => number) => ratio(med(runs, pick), med(other, pick));
    out.push(
      `| ${LABELS[system]} | ${int(runs[0]?.jobs ?? 0)} | ${cell(runs, (x) => x.enqueuePerS, rate)} | ${cell(runs, (x) => x.drainPerS, rate)} | ${r(peer("raw"), (x) => x.enqueuePerS)} | ${r(peer("bullmq"), (x) => x.enqueuePerS)} | ${r(peer("raw"), (x) => x.drainPerS)} | ${r(peer("bullmq"), (x) => x.drainPerS)} |`,
    );
  }
  return out;
}

function ratioTable(rows: DispatchRow[]): string[] {
  const out = [
    "| platform row | vs | jobs | enqueue rate | drain rate | start p50 | start p99 | terminal p50 |",
    "|---|---|---|---|---|---|---|---|",
  ];
  const find = (system: DispatchSystem, jobs: number) =>
    rows.find((r) => r.system === system && r.runs[0]?.jobs === jobs)?.runs;
  for (const { system, runs } of rows.filter((r) => !["raw", "bullmq"].includes(r.system))) {
    const jobs = runs[0]?.jobs ?? 0;
    for (const peer of ["raw", "bullmq"] as const) {
      const other = find(peer, jobs);
      if (!other) continue;
      const r = (pick: (x: DispatchRun) => number) => ratio(med(runs, pick), med(other, pick));
      out.push(
        `| ${LABELS[system]} | ${peer === "raw" ? "raw JetStream" : "BullMQ"} | ${int(jobs)} | ${r((x) => x.enqueuePerS)} | ${r((x) => x.drainPerS)} | ${r((x) => x.startP50)} | ${r((x) => x.startP99)} | ${r((x) => x.terminalP50)} |`,
      );
    }
  }
  return out;
}

function loadTable(load: LoadRun[][]): string[] {
  const out = [
    "| target rate | achieved 2xx/s | latency p50 | latency p99 | errors (non-2xx, socket, timeout) per run |",
    "|---|---|---|---|---|",
  ];
  for (const runs of load) {
    const target = runs[0]?.targetRate;
    const f = (pick: (r: LoadRun) => number, fmt: (v: number) => string) =>
      `**${fmt(med(runs, pick))}** (${runs.map((r) => fmt(pick(r))).join(", ")})`;
    out.push(
      `| ${target === undefined ? `unthrottled, ${runs[0]?.connections} connections` : `${int(target)} req/s`} | ${f((r) => r.achievedPerS, rate)} | ${f((r) => r.p50, ms)} | ${f((r) => r.p99, ms)} | ${runs.map((r) => int(r.errors)).join(", ")} |`,
    );
  }
  return out;
}

export function renderSuite(s: SuiteResult): string {
  const { sizes } = s;
  const lines = [
    `Made by \`npm run bench\` on ${s.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC. **Machine:** ${s.env.machine}. **Versions:** ${s.env.versions}. Load average (1, 5, 15 min) ${s.env.load} at the start, ${s.loadAtEnd} at the end. Every figure is the **median of ${sizes.repeats} runs** (each run's value in brackets); all processes (clients, workers, servers) share the machine.`,
    "",
    `### Dispatch: no-op jobs, worker concurrency ${sizes.concurrency}, ${sizes.window} submits in flight`,
    "",
    "**Full queue**: every job enqueued first (no consumer competing), then the worker started; drain rate: jobs / (worker start → done with the last job). Ratios are platform / peer (above 1× is faster).",
    "",
    ...prefilledTable(s.dispatch.filter((r) => r.prefilled)),
    "",
    "**Burst into a running worker**: the jobs are submitted as fast as the producer can while the worker runs, in one Node process with the producer; latencies include the queueing of the burst, and the drain rate (jobs / first submit → the worker done with the last job) cannot exceed the enqueue rate.",
    "",
    ...dispatchTable(s.dispatch.filter((r) => !r.prefilled)),
    "",
    "Ratios, platform / peer at the same job count (rates: above 1× is faster; latencies: above 1× is slower):",
    "",
    ...ratioTable(s.dispatch.filter((r) => !r.prefilled)),
    "",
    `### Gateway under load: POST /api/ai/study-plans/generate/, offline planner, autocannon ${sizes.loadDurationS} s per run, ${sizes.loadConnections} connections, a fresh stack per run`,
    "",
    ...loadTable(s.load),
    "",
    `### Priority: one critical job behind ${int(sizes.priorityBacklog)} low jobs (worker concurrency ${sizes.concurrency})`,
    "",
    "| critical submit → start | low jobs started meanwhile | low jobs queued ahead of it | FIFO estimate (queued ahead ÷ measured drain rate) |",
    "|---|---|---|---|",
    `| **${ms(med(s.priority, (r) => r.criticalWaitMs))}** (${s.priority.map((r) => ms(r.criticalWaitMs)).join(", ")}) | ${s.priority.map((r) => r.lowStartedBetween).join(", ")} | ${s.priority.map((r) => int(r.queuedAhead)).join(", ")} | **${ms(med(s.priority, (r) => r.fifoEstimateMs))}** |`,
    "",
    "### Recovery: SIGKILL of the planner running a job → the other planner starts it again",
    "",
    "| JOBS_ACK_WAIT_MS | kill → running again (median) | runs |",
    "|---|---|---|",
    ...s.recovery.map(
      (r) =>
        `| ${int(r.ackWaitMs)}${r.ackWaitMs === 30_000 ? " (default)" : ""} | **${ms(med(r.recoveryMs, (x) => x))}** | ${r.recoveryMs.map(ms).join(", ")} |`,
    ),
    "",
    `### SSE fan-out (bench/sse-fanout.ts at ${int(sizes.sseClients)} clients, ${sizes.sseEvents} events; larger N in the SSE section above)`,
    "",
    "| clients | deliveries | latency p50 | latency p99 |",
    "|---|---|---|---|",
    `| ${int(sizes.sseClients)} | ${s.sse.map((r) => `${int(r.delivered)}/${int(r.expected)}`).join(", ")} | **${ms(med(s.sse, (r) => r.p50))}** (${s.sse.map((r) => ms(r.p50)).join(", ")}) | **${ms(med(s.sse, (r) => r.p99))}** (${s.sse.map((r) => ms(r.p99)).join(", ")}) |`,
  ];
  return lines.join("\n");
}
