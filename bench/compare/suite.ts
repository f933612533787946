/**
 * The comparison suite: every scenario, each repeated, reduced to medians and rendered as Markdown.
 * `sizes` decides everything that costs time, so CI's smoke run and the full manual run share the code.
 */
import { startMongo, startNats } from "@ai-jobs/testkit";
import { median } from "../stats.js";
import { dispatchBullMq } from "./dispatch-bullmq.js";
import { dispatchGateway } from "./dispatch-gateway.js";
import { dispatchPlatform } from "./dispatch-platform.js";
import { dispatchRawJetStream } from "./dispatch-raw.js";
import { type BenchEnv, benchEnv } from "./env.js";
import { gatewayLoad, type LoadRun } from "./gateway-load.js";
import { type PriorityRun, priorityLatency } from "./priority.js";
import { type RecoveryRun, recovery } from "./recovery.js";
import { assertRedis } from "./redis.js";
import { type SseRun, sseFanout } from "./sse.js";
import type { DispatchOptions, DispatchRun } from "./types.js";

export interface SuiteSizes {
  repeats: number;
  /** Jobs of the dispatch rows that need no database (raw JetStream, BullMQ, platform publish without projection). */
  dispatchJobs: number;
  /** Jobs of the rows whose terminal status is stored in MongoDB (FerretDB), and of their raw/BullMQ peers. */
  storedJobs: number;
  concurrency: number;
  window: number;
  loadRates: number[];
  /** Also find the maximum rate (unthrottled clients). */
  loadMax: boolean;
  loadDurationS: number;
  loadConnections: number;
  priorityBacklog: number;
  recoveryAckWaitsMs: number[];
  sseClients: number;
  sseEvents: number;
  timeoutMs: number;
}

export const FULL: SuiteSizes = {
  repeats: 3,
  dispatchJobs: 20_000,
  storedJobs: 200,
  concurrency: 16,
  window: 500,
  loadRates: [500, 1_000, 2_000],
  loadMax: true,
  loadDurationS: 10,
  loadConnections: 200,
  priorityBacklog: 10_000,
  recoveryAckWaitsMs: [30_000, 2_000],
  sseClients: 1_000,
  sseEvents: 30,
  timeoutMs: 1_200_000,
};

export type DispatchSystem = "raw" | "bullmq" | "platform" | "platform+projection" | "gateway";

export interface DispatchRow {
  system: DispatchSystem;
  /** Enqueued before the worker started: enqueue and drain rates only. */
  prefilled: boolean;
  runs: DispatchRun[];
}

export interface SuiteResult {
  env: BenchEnv;
  sizes: SuiteSizes;
  startedAt: Date;
  loadAtEnd: string;
  dispatch: DispatchRow[];
  load: LoadRun[][];
  priority: PriorityRun[];
  recovery: RecoveryRun[];
  sse: SseRun[];
}

const repeat = async <T>(n: number, run: () => Promise<T>): Promise<T[]> => {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
};

export async function runSuite(sizes: SuiteSizes, log: (line: string) => void = () => undefined): Promise<SuiteResult> {
  const startedAt = new Date();
  await assertRedis();
  const env = await benchEnv();
  log(`machine ${env.machine}; ${env.versions}; load ${env.load}`);
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const dispatch: DispatchRow[] = [];
  try {
    const big: DispatchOptions = {
      jobs: sizes.dispatchJobs,
      concurrency: sizes.concurrency,
      window: sizes.window,
      timeoutMs: sizes.timeoutMs,
    };
    const small: DispatchOptions = { ...big, jobs: sizes.storedJobs };
    const row = async (system: DispatchSystem, run: () => Promise<DispatchRun>, prefilled = false) => {
      const runs = await repeat(sizes.repeats, async () => {
        const r = await run();
        log(`dispatch ${system}${prefilled ? " prefilled" : ""} ${r.jobs}: ${JSON.stringify(r)}`);
        return r;
      });
      dispatch.push({ system, prefilled, runs });
    };
    const full: DispatchOptions = { ...big, prefill: true };
    await row("raw", () => dispatchRawJetStream(nats.url, full), true);
    await row("bullmq", () => dispatchBullMq(full), true);
    await row("platform", () => dispatchPlatform(nats.url, mongo.url, { ...full, project: false }), true);
    for (const opts of [big, small]) {
      await row("raw", () => dispatchRawJetStream(nats.url, opts));
      await row("bullmq", () => dispatchBullMq(opts));
      await row("platform", () => dispatchPlatform(nats.url, mongo.url, { ...opts, project: false }));
    }
    await row("platform+projection", () => dispatchPlatform(nats.url, mongo.url, { ...small, project: true }));
    await row("gateway", () => dispatchGateway(small));

    const priority = await repeat(sizes.repeats, async () => {
      const r = await priorityLatency(nats.url, mongo.url, {
        backlog: sizes.priorityBacklog,
        concurrency: sizes.concurrency,
        timeoutMs: sizes.timeoutMs,
      });
      log(`priority: ${JSON.stringify(r)}`);
      return r;
    });

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

    const recoveries: RecoveryRun[] = [];
    for (const ackWaitMs of sizes.recoveryAckWaitsMs) {
      const r = await recovery({ ackWaitMs, repeats: sizes.repeats });
      log(`recovery: ${JSON.stringify(r)}`);
      recoveries.push(r);
    }

    const sse = await repeat(sizes.repeats, async () => {
      const r = await sseFanout({ clients: sizes.sseClients, events: sizes.sseEvents });
      log(`sse: ${JSON.stringify(r)}`);
      return r;
    });

    const { load: loadAtEnd } = await benchEnv();
    return { env, sizes, startedAt, loadAtEnd, dispatch, load, priority, recovery: recoveries, sse };
  } finally {
    await Promise.all([nats.cleanup(), mongo.cleanup()]);
  }
}

/** The median of one metric over the runs. */
export const med = <T>(runs: T[], pick: (r: T) => number): number => median(runs.map(pick));
