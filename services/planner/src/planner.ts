import { createWorker, type JobHandlers, type ServiceContext, type Worker } from "@ai-jobs/runtime";
import { createExportStore } from "./data/export-store.js";
import { createPlansRepo } from "./data/plans-repo.js";
import { createUsageRepo } from "./data/usage-repo.js";
import { noContext, type PlannerDeps, type RetrieveContext } from "./handlers/deps.js";
import { onPlannerFailure } from "./handlers/on-failure.js";
import { planDayGenerate } from "./handlers/plan-day-generate.js";
import { planExport } from "./handlers/plan-export.js";
import { planGenerate } from "./handlers/plan-generate.js";
import { planSummary } from "./handlers/plan-summary.js";
import { planTasksGenerate } from "./handlers/plan-tasks-generate.js";
import { createOfflineProvider } from "./providers/offline.js";
import type { PlanProvider } from "./providers/types.js";

export const SERVICE_NAME = "planner";
export const QUEUE = "ai_generation";
/** Chunks a prompt gets at most, unless configured. */
export const DEFAULT_CONTEXT_K = 5;

export function plannerHandlers(deps: PlannerDeps): JobHandlers {
  return {
    "plan.generate": planGenerate(deps),
    "plan.day.generate": planDayGenerate(deps),
    "plan.tasks.generate": planTasksGenerate(deps),
    "plan.summary": planSummary(deps),
    "plan.export": planExport(deps),
  };
}

export interface PlannerWorkerOptions {
  concurrency: number;
  instanceId: string;
  /** Default: the deterministic offline provider. */
  provider?: PlanProvider;
  /** Default: no context (no RAG). */
  retrieveContext?: RetrieveContext;
  contextK?: number;
  pullExpiresMs?: number;
  /** Default: `JOBS_ACK_WAIT_MS` from the service config (it must match the consumers' ack_wait). */
  ackWaitMs?: number;
}

/** The planner's worker on the `ai_generation` queue, wired to a booted service. */
export function createPlannerWorker(ctx: ServiceContext, opts: PlannerWorkerOptions): Worker {
  const repo = createPlansRepo(ctx.mongo.collections);
  const deps: PlannerDeps = {
    repo,
    provider: opts.provider ?? createOfflineProvider(),
    usage: createUsageRepo(ctx.mongo.db),
    metrics: ctx.metrics,
    exports: createExportStore(ctx.nats.js),
    retrieveContext: opts.retrieveContext ?? noContext,
    contextK: opts.contextK ?? DEFAULT_CONTEXT_K,
  };
  return createWorker({
    nats: ctx.nats,
    messaging: ctx.messaging,
    events: ctx.events,
    queue: QUEUE,
    concurrency: opts.concurrency,
    handlers: plannerHandlers(deps),
    onFailure: onPlannerFailure(repo),
    log: ctx.log,
    serviceName: SERVICE_NAME,
    instanceId: opts.instanceId,
    ackWaitMs: opts.ackWaitMs ?? ctx.jobSettings.ackWaitMs,
    timeouts: ctx.jobSettings.timeouts,
    ...(opts.pullExpiresMs === undefined ? {} : { pullExpiresMs: opts.pullExpiresMs }),
  });
}
