import { createUsageRepository } from "@ai-jobs/llm";
import {
  createStorageQuotas,
  createTokenBudgets,
  defineWorkerService,
  type ServiceContext,
  type StorageQuotaSettings,
  type TokenBudgetSettings,
  type WorkerRunOptions,
} from "@ai-jobs/runtime";
import { createExportStore } from "./data/export-store.js";
import { createPlanRepository } from "./data/plans.js";
import { noContext, type PlannerDeps, type RetrieveContext } from "./deps.js";
import { planDayGenerate } from "./jobs/plan-day-generate.js";
import { planExport } from "./jobs/plan-export.js";
import { planGenerate } from "./jobs/plan-generate.js";
import { planSummary } from "./jobs/plan-summary.js";
import { planTasksGenerate } from "./jobs/plan-tasks-generate.js";
import { createOfflineProvider } from "./providers/offline.js";
import type { PlanProvider } from "./providers/types.js";

/** Chunks a prompt gets at most, unless configured. */
export const DEFAULT_CONTEXT_K = 5;

/** What the planner is run with besides its worker's slots; every one has a default. */
export interface PlannerOptions {
  /** Default: the deterministic offline provider. */
  provider?: PlanProvider;
  /** Default: no context (no RAG). */
  retrieveContext?: RetrieveContext;
  contextK?: number;
  /** Per-tenant daily token budgets and export quotas. Default: none for any tenant (use is still counted). */
  limits?: Partial<TokenBudgetSettings & StorageQuotaSettings>;
}

export type PlannerWorkerOptions = PlannerOptions & WorkerRunOptions;

const NO_LIMITS: TokenBudgetSettings & StorageQuotaSettings = {
  LLM_DAILY_TOKEN_BUDGET: 0,
  LLM_DAILY_TOKEN_BUDGET_TENANTS: new Map(),
  UPLOAD_QUOTA_BYTES: 0,
  UPLOAD_QUOTA_BYTES_TENANTS: new Map(),
  EXPORT_QUOTA_BYTES: 0,
  EXPORT_QUOTA_BYTES_TENANTS: new Map(),
};

/** Everything the planner's job types need, from a booted service and the options. */
function plannerDeps(ctx: ServiceContext, opts: PlannerOptions): PlannerDeps {
  return {
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
}

/** The planner: the `ai_generation` queue's job types, one file each under `jobs/`. */
export const planner = defineWorkerService({
  name: "planner",
  jobs: [planGenerate, planDayGenerate, planTasksGenerate, planSummary, planExport],
  deps: plannerDeps,
});
