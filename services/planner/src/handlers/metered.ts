import type { JobType } from "@ai-jobs/contracts";
import { ERROR_CODES } from "@ai-jobs/contracts";
import { createUsageMeter, type UsageMeter } from "@ai-jobs/llm";
import { type JobContext, type JobHandler, PermanentError, recordLlmUsage } from "@ai-jobs/runtime";
import type { PlannerDeps } from "./deps.js";

export type MeteredHandler<T extends JobType> = (ctx: JobContext<T>, usage: UsageMeter) => ReturnType<JobHandler<T>>;

/**
 * Gives a handler a fresh usage meter per attempt and stores what it recorded when the attempt ends, whether it
 * succeeded or failed: tokens spent on a failed attempt were spent all the same. The tokens also go to the
 * `aijobs_llm_tokens_total` counter (by model and tenant), onto the attempt's process span, and to the tenant's
 * daily token budget, which is checked before the handler runs: a tenant over it fails the job at once with
 * BUDGET_EXCEEDED, before any model call (retrying the same day could not succeed).
 */
export function metered<T extends JobType>(
  deps: Pick<PlannerDeps, "usage" | "metrics" | "budgets">,
  handler: MeteredHandler<T>,
): JobHandler<T> {
  return async (ctx) => {
    const budget = await deps.budgets.check(ctx.command.tenantId);
    if (!budget.allowed) {
      throw new PermanentError(
        ERROR_CODES.budgetExceeded,
        `the tenant spent ${budget.spent} of its ${budget.budget} daily tokens (LLM_DAILY_TOKEN_BUDGET)`,
      );
    }
    const usage = createUsageMeter();
    try {
      return await handler(ctx, usage);
    } finally {
      const totals = usage.totals();
      if (totals) {
        recordLlmUsage(deps.metrics, {
          model: totals.model,
          tenant: ctx.command.tenantId,
          inputTokens: totals.promptTokens,
          outputTokens: totals.completionTokens,
        });
        const tokens = totals.promptTokens + totals.completionTokens;
        await Promise.all([
          deps.usage.record(ctx.command, ctx.attempt, totals).catch((err: unknown) => {
            ctx.log.warn({ err }, "could not record LLM usage");
          }),
          deps.budgets
            .charge(ctx.command.tenantId, tokens, `${ctx.command.jobId}:${ctx.attempt}`)
            .catch((err: unknown) => {
              ctx.log.warn({ err, tokens }, "could not charge the tenant's token budget");
            }),
        ]);
      }
    }
  };
}
