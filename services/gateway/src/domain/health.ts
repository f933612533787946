import type { HealthView } from "@ai-jobs/contracts";
import { type ReadinessChecks, runReadiness } from "@ai-jobs/runtime";
import type { QueueStat } from "../data/queue-stats.js";

export interface HealthDeps {
  /** Must contain `nats` and `mongo`. */
  checks: ReadinessChecks;
  queueStats: () => Promise<QueueStat[]>;
  /** How long one report is served before the next one is taken. */
  cacheMs: number;
}

export interface HealthReporter {
  /** Dependencies and queue depths, taken at most once per `cacheMs` however many clients ask. */
  report(): Promise<HealthView>;
}

const STATS_TIMEOUT_MS = 1_500;

export function createHealthReporter(deps: HealthDeps): HealthReporter {
  let cached: { at: number; view: Promise<HealthView> } | undefined;

  const take = async (): Promise<HealthView> => {
    const [readiness, queues] = await Promise.all([
      runReadiness(deps.checks),
      withTimeout(deps.queueStats(), STATS_TIMEOUT_MS).catch((): QueueStat[] => []),
    ]);
    const nats = readiness.checks.nats ?? { ok: false, detail: "not checked" };
    const mongo = readiness.checks.mongo ?? { ok: false, detail: "not checked" };
    return {
      status: nats.ok && mongo.ok ? "ok" : "degraded",
      nats,
      mongo,
      queues: queues.map((q) => ({ queue: q.queue, priority: q.priority, backlog: q.backlog, in_flight: q.inFlight })),
    };
  };

  return {
    report() {
      const now = Date.now();
      if (!cached || now - cached.at >= deps.cacheMs) cached = { at: now, view: take() };
      return cached.view;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
