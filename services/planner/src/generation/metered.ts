import type { JobType } from "@ai-jobs/contracts";
import { ERROR_CODES } from "@ai-jobs/contracts";
import { meteredAttempt, type UsageMeter } from "@ai-jobs/llm";
import { type JobContext, type JobHandler, PermanentError } from "@ai-jobs/runtime";
import type { PlannerDeps } from "../deps.js";

export type MeteredHandler<T extends JobType> = (ctx: JobContext<T>, usage: UsageMeter) => ReturnType<JobHandler<T>>;

/**
 * Checks the tenant's daily token budget before the handler runs: a tenant over it fails the job at once with
 * BUDGET_EXCEEDED, before any model call (retrying the same day could not succeed). Then runs the handler with a
 * fresh usage meter per attempt (`meteredAttempt`): what it recorded is stored, counted and charged to the budget
 * when the attempt ends, whether it succeeded or failed.
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
    return meteredAttempt(deps, ctx, (usage) => handler(ctx, usage));
  };
}
