import { createWorker, type JobHandlers, type ServiceContext, type Worker } from "@ai-jobs/runtime";
import { createPlansRepo } from "./data/plans-repo.js";
import type { PlannerDeps } from "./handlers/deps.js";
import { onPlannerFailure } from "./handlers/on-failure.js";
import { planDayGenerate } from "./handlers/plan-day-generate.js";
import { planGenerate } from "./handlers/plan-generate.js";
import { planTasksGenerate } from "./handlers/plan-tasks-generate.js";
import { createOfflineProvider } from "./providers/offline.js";
import type { PlanProvider } from "./providers/types.js";

export const SERVICE_NAME = "planner";
export const QUEUE = "ai_generation";

export function plannerHandlers(deps: PlannerDeps): JobHandlers {
  return {
    "plan.generate": planGenerate(deps),
    "plan.day.generate": planDayGenerate(deps),
    "plan.tasks.generate": planTasksGenerate(deps),
  };
}

export interface PlannerWorkerOptions {
  concurrency: number;
  instanceId: string;
  /** Default: the deterministic offline provider. */
  provider?: PlanProvider;
  pullExpiresMs?: number;
  /** Default: `JOBS_ACK_WAIT_MS` from the service config (it must match the consumers' ack_wait). */
  ackWaitMs?: number;
}

/** The planner's worker on the `ai_generation` queue, wired to a booted service. */
export function createPlannerWorker(ctx: ServiceContext, opts: PlannerWorkerOptions): Worker {
  const repo = createPlansRepo(ctx.mongo.collections);
  const deps: PlannerDeps = { repo, provider: opts.provider ?? createOfflineProvider() };
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
