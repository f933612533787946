/**
 * The comparison suite: every scenario, each repeated, reduced to medians and rendered as Markdown.
 * `sizes` decides everything that costs time, so CI's smoke run and the full manual run share the code.
 */
import { WORKER_ACK_WAIT_MS } from "@ai-jobs/runtime";
import { startMongo, startNats } from "@ai-jobs/testkit";
import { benchPlanGenerate, type PlanGenerateResult } from "../plan-generate.js";
import { benchProjection, type ProjectionRun } from "../projection-throughput.js";
import { median } from "../stats.js";
import { dispatchBullMq } from "./dispatch-bullmq.js";
import { dispatchGateway } from "./dispatch-gateway.js";
import { dispatchPlatform } from "./dispatch-platform.js";
import { dispatchRawJetStream } from "./dispatch-raw.js";
import { type BenchEnv, benchEnv } from "./env.js";
import { gatewayLoad, type LoadRun } from "./gateway-load.js";
import { type PriorityRun, priorityLatency } from "./priority.js";
import { type RecoveryRun, recovery } from "./recovery.js";
import { redisReachable } from "./redis.js";
import { type SseRun, sseFanout } from "./sse.js";
import type { DispatchOptions, DispatchRun } from "./types.js";

export interface SuiteSizes {
  repeats: number;
  /** Jobs of the throughput rows (full queue, and a burst into a running worker). */
  dispatchJobs: number;
  /** Jobs of the latency rows (a burst whose terminal status is read back through the gateway). */
  burstJobs: number;
  concurrency: number;
  window: number;
  loadRates: number[];
  /** Also find the maximum rate (unthrottled clients). */
  loadMax: boolean;
  loadDurationS: number;
  loadConnections: number;
  priorityBacklog: number;
  /** `undefined`: the default `JOBS_ACK_WAIT_MS`. */
  recoveryAckWaitsMs: Array<number | undefined>;
  sseClients: number;
  sseEvents: number;
  /** BENCH_SSE_SETTLE_MS of bench/sse-fanout.ts: the pause before its memory readings. */
  sseSettleMs: number;
  projectionEvents: number;
  projectionJobs: number;
  /** The plan.generate scenario: days, model answer time, LLM_CONCURRENCY. */
  plan: { days: number; llmMs: number; llmConcurrency: number };
  timeoutMs: number;
}

export const FULL: SuiteSizes = {
  repeats: 3,
  dispatchJobs: 20_000,
  burstJobs: 200,
  concurrency: 16,
  window: 500,
  loadRates: [500, 1_000, 2_000],
  loadMax: true,
  loadDurationS: 10,
  loadConnections: 200,
  priorityBacklog: 10_000,
  recoveryAckWaitsMs: [undefined, 2_000],
  sseClients: 1_000,
  sseEvents: 30,
  sseSettleMs: 1_000,
  projectionEvents: 10_000,
  projectionJobs: 100,
  plan: { days: 30, llmMs: 1_000, llmConcurrency: 8 },
  timeoutMs: 1_200_000,
};

/** `platform`: the runtime, the projection done after the run; `platform+events`: the events service projecting all along. */
export type DispatchSystem = "raw" | "bullmq" | "platform" | "platform+events" | "gateway";

export interface DispatchRow {
  system: DispatchSystem;
  /** Enqueued before the worker started: enqueue and drain rates only. */
  prefilled: boolean;
  runs: Array<DispatchRun & { storedAfterS?: number; store?: string; shed?: number }>;
}

export interface SuiteResult {
  env: BenchEnv;
  sizes: SuiteSizes;
  startedAt: Date;
  loadAtEnd: string;
  /** False when no Redis answered: the BullMQ rows were skipped. */
  bullmq: boolean;
  dispatch: DispatchRow[];
  load: LoadRun[][];
  priority: PriorityRun[];
  recovery: RecoveryRun[];
  projection: ProjectionRun[];
  plan: PlanGenerateResult[];
  sse: SseRun[];
}

const repeat = async <T>(n: number, run: () => Promise<T>): Promise<T[]> => {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
};

export async function runSuite(sizes: SuiteSizes, log: (line: string) => void = () => undefined): Promise<SuiteResult> {
  const startedAt = new Date();
  const bullmq = await redisReachable();
  if (!bullmq) log("no Redis at REDIS_URL / 127.0.0.1:6379: the BullMQ rows are skipped");
  const env = await benchEnv(bullmq);
  log(`machine ${env.machine}; ${env.versions}; load ${env.load}`);
  const dispatch: DispatchRow[] = [];
  const row = async (system: DispatchSystem, prefilled: boolean, run: () => Promise<DispatchRow["runs"][number]>) => {
    if (system === "bullmq" && !bullmq) return;
    const runs = await repeat(sizes.repeats, async () => {
      const r = await run();
      log(`dispatch ${system}${prefilled ? " prefilled" : ""} ${r.jobs}: ${JSON.stringify(r)}`);
      return r;
    });
    dispatch.push({ system, prefilled, runs });
  };

  // The peers share one nats-server; every platform run starts its own servers and service processes.
  const nats = await startNats();
  try {
    const big: DispatchOptions = {
      jobs: sizes.dispatchJobs,
      concurrency: sizes.concurrency,
      window: sizes.window,
      timeoutMs: sizes.timeoutMs,
    };
    const full: DispatchOptions = { ...big, prefill: true };
    const burst: DispatchOptions = { ...big, jobs: sizes.burstJobs };
    await row("raw", true, () => dispatchRawJetStream(nats.url, full));
    await row("bullmq", true, () => dispatchBullMq(full));
    await row("platform", true, () => dispatchPlatform({ ...full, readTerminal: false, projectDuring: false }));
    await row("platform+events", true, () => dispatchPlatform({ ...full, readTerminal: false, projectDuring: true }));
    await row("raw", false, () => dispatchRawJetStream(nats.url, big));
    await row("bullmq", false, () => dispatchBullMq(big));
    await row("platform", false, () => dispatchPlatform({ ...big, readTerminal: false, projectDuring: false }));
    await row("raw", false, () => dispatchRawJetStream(nats.url, burst));
    await row("bullmq", false, () => dispatchBullMq(burst));
    await row("platform", false, () => dispatchPlatform({ ...burst, readTerminal: true, projectDuring: false }));
    await row("platform+events", false, () => dispatchPlatform({ ...burst, readTerminal: true, projectDuring: true }));
    await row("gateway", false, () => dispatchGateway(burst));
  } finally {
    await nats.cleanup();
  }

  const load: LoadRun[][] = [];
  const rates: Array<number | undefined> = [...sizes.loadRates, ...(sizes.loadMax ? [undefined] : [])];
  for (const rate of rates) {
    load.push(
      await repeat(sizes.repeats, async () => {
        const r = await gatewayLoad({ rate, durationS: sizes.loadDurationS, connections: sizes.loadConnections });
        log(`gateway load: ${JSON.stringify(r)}`);
        return r;
      }),
    );
  }

  const priority = await repeat(sizes.repeats, async () => {
    const [pNats, pMongo] = await Promise.all([startNats(), startMongo()]);
    try {
      const r = await priorityLatency(pNats.url, pMongo.url, {
        backlog: sizes.priorityBacklog,
        concurrency: sizes.concurrency,
        timeoutMs: sizes.timeoutMs,
      });
      log(`priority: ${JSON.stringify(r)}`);
      return r;
    } finally {
      await Promise.all([pNats.cleanup(), pMongo.cleanup()]);
    }
  });

  const recoveries: RecoveryRun[] = [];
  for (const ackWaitMs of sizes.recoveryAckWaitsMs) {
    const r = await recovery({ ackWaitMs, repeats: sizes.repeats });
    log(`recovery: ${JSON.stringify(r)}`);
    recoveries.push(r);
  }

  const projection: ProjectionRun[] = [];
  for (const replicas of [1, 2]) {
    for (const r of await repeat(sizes.repeats, () =>
      benchProjection({ events: sizes.projectionEvents, jobs: sizes.projectionJobs, replicas, batchSize: 1_000 }),
    )) {
      log(`projection: ${JSON.stringify(r)}`);
      projection.push(r);
    }
  }

  const plan = await repeat(sizes.repeats, async () => {
    const r = await benchPlanGenerate(sizes.plan);
    log(`plan.generate: ${JSON.stringify(r)}`);
    return r;
  });

  const sse = await repeat(sizes.repeats, async () => {
    const r = await sseFanout({ clients: sizes.sseClients, events: sizes.sseEvents, settleMs: sizes.sseSettleMs });
    log(`sse: ${JSON.stringify(r)}`);
    return r;
  });

  const { load: loadAtEnd } = await benchEnv(bullmq);
  return {
    env,
    sizes,
    startedAt,
    loadAtEnd,
    bullmq,
    dispatch,
    load,
    priority,
    recovery: recoveries,
    projection,
    plan,
    sse,
  };
}

/** The median of one metric over the runs. */
export const med = <T>(runs: T[], pick: (r: T) => number): number => median(runs.map(pick));

/** The ack_wait a recovery run used: its own, or the platform's default. */
export const ackWaitOf = (r: RecoveryRun): number => r.ackWaitMs ?? WORKER_ACK_WAIT_MS;
