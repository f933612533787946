/** The suite's results as the Markdown written into docs/BENCHMARKS.md between the compare markers. */
import type { ProjectionRun } from "../projection-throughput.js";
import type { LoadRun } from "./gateway-load.js";
import { ackWaitOf, type DispatchRow, type DispatchSystem, med, type SuiteResult } from "./suite.js";
import type { DispatchRun } from "./types.js";

const LABELS: Record<DispatchSystem, string> = {
  raw: "raw JetStream (nats.js publish + consume + ack)",
  bullmq: "BullMQ (addBulk + Worker, Redis)",
  platform: "platform runtime (acceptJob + createWorker; MongoDB projected after the run)",
  "platform+events": "platform runtime + the events service projecting into MongoDB during the run",
  gateway: "platform, gateway HTTP (POST /study-plans/generate/)",
};

const TERMINAL: Record<DispatchSystem, string> = {
  raw: "acked",
  bullmq: "`completed` in Redis",
  platform: "`succeeded` read back by `GET /api/ai/jobs/{id}/`",
  "platform+events": "`succeeded` read back by `GET /api/ai/jobs/{id}/`",
  gateway: "`succeeded` read back by `GET /api/ai/jobs/{id}/`",
};

type Run = DispatchRow["runs"][number];

const ms = (v: number) => (Number.isNaN(v) ? "—" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(1)} ms`);
const secs = (v: number) => (Number.isNaN(v) ? "—" : `${v.toFixed(1)} s`);
const rate = (v: number) => (Number.isNaN(v) ? "—" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const int = (v: number) => v.toLocaleString("en-US");
const ratioOf = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) || b === 0 ? Number.NaN : a / b);
const ratio = (a: number, b: number) => {
  const r = ratioOf(a, b);
  return Number.isNaN(r) ? "—" : `${r.toFixed(2)}×`;
};
/** The median in bold, then every run's value. */
const cell = <T>(runs: T[], pick: (r: T) => number, f: (v: number) => string) =>
  `**${f(med(runs, pick))}** (${runs.map((r) => f(pick(r))).join(", ")})`;
const verdict = (ok: boolean | undefined) => (ok === undefined ? "—" : ok ? "met" : "**missed**");
const storeOf = (runs: Run[]) => runs.find((r) => r.store)?.store ?? "—";

const find = (rows: DispatchRow[], system: DispatchSystem, prefilled: boolean, jobs?: number) =>
  rows.find((r) => r.system === system && r.prefilled === prefilled && (jobs === undefined || r.runs[0]?.jobs === jobs))
    ?.runs ?? [];

function targetsTable(s: SuiteResult): string[] {
  const d = s.dispatch;
  const burst = s.sizes.burstJobs;
  const full = { raw: find(d, "raw", true), bullmq: find(d, "bullmq", true), platform: find(d, "platform", true) };
  const b = { raw: find(d, "raw", false, burst), platform: find(d, "platform", false, burst) };
  const enqueueVsBull = ratioOf(
    med(full.platform, (r) => r.enqueuePerS),
    med(full.bullmq, (r) => r.enqueuePerS),
  );
  const drainVsBull = ratioOf(
    med(full.platform, (r) => r.drainPerS),
    med(full.bullmq, (r) => r.drainPerS),
  );
  const drainVsRaw = ratioOf(
    med(full.platform, (r) => r.drainPerS),
    med(full.raw, (r) => r.drainPerS),
  );
  const startVsRaw = ratioOf(
    med(b.platform, (r) => r.startP50),
    med(b.raw, (r) => r.startP50),
  );
  const terminal = med(b.platform, (r) => r.terminalP50);
  const at1000 = s.load.find((runs) => runs[0]?.targetRate === 1_000) ?? [];
  const unthrottled = s.load.find((runs) => runs[0]?.targetRate === undefined) ?? [];
  const projection1 = s.projection.filter((p) => p.replicas === 1);
  const recoveryDefault = s.recovery.find((r) => r.ackWaitMs === undefined);
  const plan = s.plan;
  const num = (v: number, f: (x: number) => string) => (Number.isNaN(v) ? "—" : f(v));
  const has = (runs: unknown[]) => runs.length > 0;
  const rows: Array<[string, string, boolean | undefined]> = [
    [
      "no-op enqueue (full queue) ≥ 1.0× BullMQ",
      `${num(enqueueVsBull, (x) => `${x.toFixed(2)}×`)} (${rate(med(full.platform, (r) => r.enqueuePerS))} vs ${rate(med(full.bullmq, (r) => r.enqueuePerS))} jobs/s)`,
      has(full.bullmq) ? enqueueVsBull >= 1 : undefined,
    ],
    [
      "no-op drain (full queue) ≥ 1.0× BullMQ",
      `${num(drainVsBull, (x) => `${x.toFixed(2)}×`)} (${rate(med(full.platform, (r) => r.drainPerS))} vs ${rate(med(full.bullmq, (r) => r.drainPerS))} jobs/s)`,
      has(full.bullmq) ? drainVsBull >= 1 : undefined,
    ],
    [
      "no-op drain (full queue) ≥ 0.5× raw JetStream",
      `${num(drainVsRaw, (x) => `${x.toFixed(2)}×`)} (${rate(med(full.platform, (r) => r.drainPerS))} vs ${rate(med(full.raw, (r) => r.drainPerS))} jobs/s)`,
      drainVsRaw >= 0.5,
    ],
    [
      `burst of ${burst}: submit → handler start p50 ≤ 2× raw JetStream`,
      `${num(startVsRaw, (x) => `${x.toFixed(2)}×`)} (${ms(med(b.platform, (r) => r.startP50))} vs ${ms(med(b.raw, (r) => r.startP50))})`,
      startVsRaw <= 2,
    ],
    [
      `burst of ${burst}: submit → terminal readable through GET /jobs/{id} p50 ≤ 100 ms`,
      ms(terminal),
      terminal <= 100,
    ],
    [
      "gateway POST at a 1,000 req/s target: ≥ 1,000 accepted/s, p99 < 100 ms, 0 errors",
      has(at1000)
        ? `${rate(med(at1000, (r) => r.achievedPerS))} accepted/s, p99 ${ms(med(at1000, (r) => r.p99))}, errors ${at1000.map((r) => int(r.errors + r.shed)).join("/")}`
        : "—",
      has(at1000)
        ? med(at1000, (r) => r.achievedPerS) >= 1_000 * 0.99 &&
          med(at1000, (r) => r.p99) < 100 &&
          at1000.every((r) => r.errors + r.shed === 0)
        : undefined,
    ],
    [
      "gateway above capacity: only fast 503s",
      has(unthrottled)
        ? `${unthrottled.map((r) => `${int(r.shed)} × 503, ${int(r.errors)} other`).join("; ")}; p99 ${ms(med(unthrottled, (r) => r.p99))}`
        : "—",
      has(unthrottled) ? unthrottled.every((r) => r.errors === 0) && med(unthrottled, (r) => r.p99) < 1_000 : undefined,
    ],
    [
      "projection ≥ 2,000 events/s",
      `${rate(med(projection1, (p) => p.eventsPerS))} events/s`,
      has(projection1) ? med(projection1, (p) => p.eventsPerS) >= 2_000 : undefined,
    ],
    [
      "kill -9 of a worker → job running again ≤ 10 s (default settings)",
      recoveryDefault ? ms(med(recoveryDefault.recoveryMs, (x) => x)) : "—",
      recoveryDefault ? med(recoveryDefault.recoveryMs, (x) => x) <= 10_000 : undefined,
    ],
    [
      `${s.sizes.plan.days}-day plan.generate, ${s.sizes.plan.llmMs} ms a call, LLM_CONCURRENCY=${s.sizes.plan.llmConcurrency}: ≤ 8 s`,
      has(plan)
        ? `${ms(med(plan, (p) => p.parallel.elapsedMs))} (sequential: ${ms(med(plan, (p) => p.sequential.elapsedMs))})`
        : "—",
      has(plan) ? med(plan, (p) => p.parallel.elapsedMs) <= 8_000 : undefined,
    ],
  ];
  return [
    "| target | measured (median) | |",
    "|---|---|---|",
    ...rows.map(([target, measured, ok]) => `| ${target} | ${measured} | ${verdict(ok)} |`),
  ];
}

function dispatchTable(rows: DispatchRow[]): string[] {
  const out = [
    "| system | jobs | enqueue jobs/s | drain jobs/s | submit → handler start p50 | p99 | submit → terminal p50 | p99 | terminal means | MongoDB projection | store |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const { system, runs } of rows) {
    const stored = runs.some((r) => r.storedAfterS !== undefined)
      ? cell(runs, (r) => r.storedAfterS ?? Number.NaN, secs)
      : "—";
    out.push(
      `| ${LABELS[system]} | ${int(runs[0]?.jobs ?? 0)} | ${cell(runs, (r) => r.enqueuePerS, rate)} | ${cell(runs, (r) => r.drainPerS, rate)} | ${cell(runs, (r) => r.startP50, ms)} | ${cell(runs, (r) => r.startP99, ms)} | ${cell(runs, (r) => r.terminalP50, ms)} | ${cell(runs, (r) => r.terminalP99, ms)} | ${TERMINAL[system]} | ${stored} | ${storeOf(runs)} |`,
    );
  }
  return out;
}

function prefilledTable(rows: DispatchRow[]): string[] {
  const out = [
    "| system | jobs | enqueue jobs/s (no consumer) | drain jobs/s (full queue) | enqueue vs raw JetStream | vs BullMQ | drain vs raw JetStream | vs BullMQ | MongoDB projection | store |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const peer = (system: DispatchSystem) => rows.find((r) => r.system === system)?.runs ?? [];
  for (const { system, runs } of rows) {
    const r = (other: DispatchRun[], pick: (x: DispatchRun) => number) => ratio(med(runs, pick), med(other, pick));
    const stored = runs.some((x) => x.storedAfterS !== undefined)
      ? cell(runs, (x) => x.storedAfterS ?? Number.NaN, secs)
      : "—";
    out.push(
      `| ${LABELS[system]} | ${int(runs[0]?.jobs ?? 0)} | ${cell(runs, (x) => x.enqueuePerS, rate)} | ${cell(runs, (x) => x.drainPerS, rate)} | ${r(peer("raw"), (x) => x.enqueuePerS)} | ${r(peer("bullmq"), (x) => x.enqueuePerS)} | ${r(peer("raw"), (x) => x.drainPerS)} | ${r(peer("bullmq"), (x) => x.drainPerS)} | ${stored} | ${storeOf(runs)} |`,
    );
  }
  return out;
}

function ratioTable(rows: DispatchRow[]): string[] {
  const out = [
    "| platform row | vs | jobs | enqueue rate | drain rate | start p50 | start p99 | terminal p50 |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const { system, runs } of rows.filter((r) => !["raw", "bullmq"].includes(r.system))) {
    const jobs = runs[0]?.jobs ?? 0;
    for (const peer of ["raw", "bullmq"] as const) {
      const other = find(rows, peer, false, jobs);
      if (other.length === 0) continue;
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
    "| target rate | accepted (202) /s | latency p50 | latency p99 | 503 (shed) per run | other errors (non-2xx, socket, timeout) per run |",
    "|---|---|---|---|---|---|",
  ];
  for (const runs of load) {
    const target = runs[0]?.targetRate;
    out.push(
      `| ${target === undefined ? `unthrottled, ${runs[0]?.connections} connections` : `${int(target)} req/s`} | ${cell(runs, (r) => r.achievedPerS, rate)} | ${cell(runs, (r) => r.p50, ms)} | ${cell(runs, (r) => r.p99, ms)} | ${runs.map((r) => int(r.shed)).join(", ")} | ${runs.map((r) => int(r.errors)).join(", ")} |`,
    );
  }
  return out;
}

function projectionTable(runs: ProjectionRun[]): string[] {
  const out = ["| projector replicas | events/s | store |", "|---|---|---|"];
  for (const replicas of [...new Set(runs.map((r) => r.replicas))]) {
    const mine = runs.filter((r) => r.replicas === replicas);
    out.push(
      `| ${replicas}${replicas > 1 ? " (one projects, the others stand by)" : ""} | ${cell(mine, (r) => r.eventsPerS, rate)} | ${mine[0]?.store ?? "—"} |`,
    );
  }
  return out;
}

export function renderSuite(s: SuiteResult): string {
  const { sizes } = s;
  const p0 = s.projection[0];
  const lines = [
    `Made by \`npm run bench\` on ${s.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC. **Machine:** ${s.env.machine}. **Versions:** ${s.env.versions}. Load average (1, 5, 15 min) ${s.env.load} at the start, ${s.loadAtEnd} at the end. Every figure is the **median of ${sizes.repeats} runs** (each run's value in brackets); all processes (clients, workers, servers) share the machine.${s.bullmq ? "" : " **No Redis answered: the BullMQ rows were skipped.**"}`,
    "",
    "### The targets",
    "",
    ...targetsTable(s),
    "",
    `### Dispatch: no-op jobs, worker concurrency ${sizes.concurrency}, ${sizes.window} submits in flight`,
    "",
    "**Full queue**: every job enqueued first (no consumer competing), then the worker started; drain rate: jobs / (worker start → done with the last job). Ratios are platform / peer (above 1× is faster). *MongoDB projection*: for the runtime rows, the time the events service (started once the worker is done) took to project the whole backlog into MongoDB; for the `+ events service` rows, how long after the worker was done every record was stored, the events service having projected all along on the same two cores.",
    "",
    ...prefilledTable(s.dispatch.filter((r) => r.prefilled)),
    "",
    "**Burst into a running worker**: the jobs are submitted as fast as the producer can while the worker runs, in one Node process with the producer; latencies include the queueing of the burst, and the drain rate (jobs / first submit → the worker done with the last job) cannot exceed the enqueue rate.",
    "",
    ...dispatchTable(s.dispatch.filter((r) => !r.prefilled)),
    "",
    `Submits of the gateway row shed with a 503 and retried after \`Retry-After\` by the client, per run: ${
      s.dispatch
        .find((r) => r.system === "gateway")
        ?.runs.map((r) => int(r.shed ?? 0))
        .join(", ") ?? "—"
    } (their time counts from the first try).`,
    "",
    "Ratios, platform / peer at the same job count (rates: above 1× is faster; latencies: above 1× is slower):",
    "",
    ...ratioTable(s.dispatch.filter((r) => !r.prefilled)),
    "",
    `### Gateway under load: POST /api/ai/study-plans/generate/, the whole stack (offline planner working the jobs), autocannon ${sizes.loadDurationS} s per run, ${sizes.loadConnections} connections, a fresh stack per run`,
    "",
    ...loadTable(s.load),
    "",
    `### Projection: a backlog of ${int(sizes.projectionEvents)} events over ${int(sizes.projectionJobs)} jobs (queued, started, progress…, succeeded, interleaved), batches of ${p0?.batchSize ?? "—"}`,
    "",
    ...projectionTable(s.projection),
    "",
    `### Priority: one critical job behind ${int(sizes.priorityBacklog)} low jobs (worker concurrency ${sizes.concurrency})`,
    "",
    "| critical submit → start | low jobs started meanwhile | low jobs queued ahead of it | FIFO estimate (queued ahead ÷ measured drain rate) |",
    "|---|---|---|---|",
    `| ${cell(s.priority, (r) => r.criticalWaitMs, ms)} | ${s.priority.map((r) => r.lowStartedBetween).join(", ")} | ${s.priority.map((r) => int(r.queuedAhead)).join(", ")} | **${ms(med(s.priority, (r) => r.fifoEstimateMs))}** |`,
    "",
    "### Recovery: SIGKILL of the planner running a job → the other planner starts it again",
    "",
    "| JOBS_ACK_WAIT_MS | kill → running again (median) | runs |",
    "|---|---|---|",
    ...s.recovery.map(
      (r) =>
        `| ${int(ackWaitOf(r))}${r.ackWaitMs === undefined ? " (default)" : ""} | **${ms(med(r.recoveryMs, (x) => x))}** | ${r.recoveryMs.map(ms).join(", ")} |`,
    ),
    "",
    `### plan.generate: a ${sizes.plan.days}-day plan, the OpenAI-compatible test server answering every call after ${sizes.plan.llmMs} ms, LLM_CONCURRENCY=${sizes.plan.llmConcurrency}`,
    "",
    "| drafting | elapsed | model calls (outline) | most calls in flight |",
    "|---|---|---|---|",
    `| parallel, ${sizes.plan.llmConcurrency} at a time | ${cell(s.plan, (p) => p.parallel.elapsedMs, ms)} | ${s.plan[0]?.parallel.calls ?? "—"} (${s.plan[0]?.parallel.outlineCalls ?? "—"}) | ${s.plan[0]?.parallel.peakCalls ?? "—"} |`,
    `| sequential, 1 at a time | ${cell(s.plan, (p) => p.sequential.elapsedMs, ms)} | ${s.plan[0]?.sequential.calls ?? "—"} (${s.plan[0]?.sequential.outlineCalls ?? "—"}) | ${s.plan[0]?.sequential.peakCalls ?? "—"} |`,
    "",
    `### SSE fan-out (bench/sse-fanout.ts at ${int(sizes.sseClients)} clients, ${sizes.sseEvents} events; larger N in the SSE section above)`,
    "",
    "| clients | deliveries | latency p50 | latency p99 |",
    "|---|---|---|---|",
    `| ${int(sizes.sseClients)} | ${s.sse.map((r) => `${int(r.delivered)}/${int(r.expected)}`).join(", ")} | ${cell(s.sse, (r) => r.p50, ms)} | ${cell(s.sse, (r) => r.p99, ms)} |`,
  ];
  return lines.join("\n");
}
