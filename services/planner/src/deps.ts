import type { ContextChunk } from "@ai-jobs/contracts";
import type { UsageRepository } from "@ai-jobs/llm";
import type { Metrics, StorageQuotas, TokenBudgets } from "@ai-jobs/runtime";
import type { ExportStore } from "./data/export-store.js";
import type { PlanRepository } from "./data/plans.js";
import type { PlanProvider } from "./providers/types.js";

/**
 * The chunks of a plan's ingested materials most relevant to `query` (top `k` by cosine similarity over the
 * plan's chunk embeddings), for the prompts to build on. The default finds none.
 */
export type RetrieveContext = (tenantId: string, planId: string, query: string, k: number) => Promise<ContextChunk[]>;

export const noContext: RetrieveContext = async () => [];

export interface PlannerDeps {
  repo: PlanRepository;
  provider: PlanProvider;
  usage: UsageRepository;
  /** Where the attempt's LLM tokens are counted. */
  metrics: Pick<Metrics, "llmTokens">;
  /** Each tenant's daily token budget: checked before a metered job runs, charged with what it spent. */
  budgets: TokenBudgets;
  /** Each tenant's byte quota of exports: checked before an export runs, charged with the file it wrote. */
  quotas: StorageQuotas;
  exports: ExportStore;
  retrieveContext: RetrieveContext;
  /** How many chunks a prompt gets at most. */
  contextK: number;
}
