import { createUsageRepository } from "@ai-jobs/llm";
import {
  type AnyJobDefinition,
  createServiceWorker,
  createStorageQuotas,
  createTokenBudgets,
  defineJob,
  type ServiceContext,
  type StorageQuotaSettings,
  type TokenBudgetSettings,
  type Worker,
} from "@ai-jobs/runtime";
import { createExportStore } from "./data/export-store.js";
import { createPlanRepository } from "./data/plans.js";
import { noContext, type PlannerDeps, type RetrieveContext } from "./handlers/deps.js";
import { markPlanFailed, storeSummaryFallback } from "./handlers/on-failure.js";
import { planDayGenerate } from "./handlers/plan-day-generate.js";
import { planExport } from "./handlers/plan-export.js";
import { planGenerate } from "./handlers/plan-generate.js";
import { planSummary } from "./handlers/plan-summary.js";
import { planTasksGenerate } from "./handlers/plan-tasks-generate.js";
import { createOfflineProvider } from "./providers/offline.js";
import type { PlanProvider } from "./providers/types.js";

export const SERVICE_NAME = "planner";
/** Chunks a prompt gets at most, unless configured. */
export const DEFAULT_CONTEXT_K = 5;

/** The planner's job types (all on the `ai_generation` queue): each with its handler and its failure hook, if any. */
export function plannerJobs(deps: PlannerDeps): AnyJobDefinition[] {
  return [
    defineJob({ type: "plan.generate", handler: planGenerate(deps), onFailure: markPlanFailed(deps.repo) }),
    defineJob({ type: "plan.day.generate", handler: planDayGenerate(deps) }),
    defineJob({ type: "plan.tasks.generate", handler: planTasksGenerate(deps) }),
    defineJob({ type: "plan.summary", handler: planSummary(deps), onFailure: storeSummaryFallback(deps.repo) }),
    defineJob({ type: "plan.export", handler: planExport(deps) }),
  ];
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
  /** Per-tenant daily token budgets and export quotas. Default: none for any tenant (use is still counted). */
  limits?: Partial<TokenBudgetSettings & StorageQuotaSettings>;
}

const NO_LIMITS: TokenBudgetSettings & StorageQuotaSettings = {
  LLM_DAILY_TOKEN_BUDGET: 0,
  LLM_DAILY_TOKEN_BUDGET_TENANTS: new Map(),
  UPLOAD_QUOTA_BYTES: 0,
  UPLOAD_QUOTA_BYTES_TENANTS: new Map(),
  EXPORT_QUOTA_BYTES: 0,
  EXPORT_QUOTA_BYTES_TENANTS: new Map(),
};

/** The planner's worker on the `ai_generation` queue, wired to a booted service. */
export function createPlannerWorker(ctx: ServiceContext, opts: PlannerWorkerOptions): Worker {
  const deps: PlannerDeps = {
    repo: createPlanRepository(ctx.mongo.collections),
    provider: opts.provider ?? createOfflineProvider(),
    usage: createUsageRepository(ctx.mongo.db),
    metrics: ctx.metrics,
    budgets: createTokenBudgets(ctx.nats, { ...NO_LIMITS, ...opts.limits }),
    quotas: createStorageQuotas(ctx.nats, { ...NO_LIMITS, ...opts.limits }),
    exports: createExportStore(ctx.nats.js),
    retrieveContext: opts.retrieveContext ?? noContext,
    contextK: opts.contextK ?? DEFAULT_CONTEXT_K,
  };
  return createServiceWorker(ctx, {
    serviceName: SERVICE_NAME,
    jobs: plannerJobs(deps),
    concurrency: opts.concurrency,
    instanceId: opts.instanceId,
    pullExpiresMs: opts.pullExpiresMs,
    ackWaitMs: opts.ackWaitMs,
  });
}
