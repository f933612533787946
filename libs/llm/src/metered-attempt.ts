import type { JobCommand } from "@ai-jobs/contracts";
import { type Logger, type Metrics, recordLlmUsage, type TokenBudgets } from "@ai-jobs/runtime";
import { createUsageMeter, type UsageMeter } from "./usage.js";
import type { UsageRepository } from "./usage-repository.js";

/** Where one attempt's model usage goes: `llm_usage`, the token counter metric, the tenant's daily budget. */
export interface UsageSinks {
  usage: UsageRepository;
  metrics: Pick<Metrics, "llmTokens">;
  budgets: Pick<TokenBudgets, "charge">;
}

/** The job attempt that pays: its tenant is charged, its record keyed by job and attempt. */
export interface MeteredJob {
  command: JobCommand;
  attempt: number;
  log: Logger;
}

/**
 * Runs one job attempt's work with a fresh usage meter and stores what the meter recorded when the work ends,
 * whether it succeeded or failed: tokens spent on a failed attempt were spent all the same. The tokens go to the
 * `llm_usage` record of the attempt, to the `aijobs_llm_tokens_total` counter (by model and tenant) and onto the
 * active span, and are charged to the tenant's daily token budget with the attempt as charge id, so a repeated
 * charge counts once. An attempt that called no model stores nothing. Checking the budget is the caller's: what a
 * tenant over it gets (a failed job, a fallback) depends on the job.
 */
export async function meteredAttempt<T>(
  sinks: UsageSinks,
  job: MeteredJob,
  work: (usage: UsageMeter) => Promise<T>,
): Promise<T> {
  const usage = createUsageMeter();
  try {
    return await work(usage);
  } finally {
    const totals = usage.totals();
    if (totals) {
      const { command, attempt, log } = job;
      recordLlmUsage(sinks.metrics, {
        model: totals.model,
        tenant: command.tenantId,
        inputTokens: totals.promptTokens,
        outputTokens: totals.completionTokens,
      });
      const tokens = totals.promptTokens + totals.completionTokens;
      // Recording must not fail the attempt: the work is done, and its outcome matters more than the bookkeeping.
      await Promise.all([
        sinks.usage.record(command, attempt, totals).catch((err: unknown) => {
          log.warn({ err }, "could not record LLM usage");
        }),
        sinks.budgets.charge(command.tenantId, tokens, `${command.jobId}:${attempt}`).catch((err: unknown) => {
          log.warn({ err, tokens }, "could not charge the tenant's token budget");
        }),
      ]);
    }
  }
}
