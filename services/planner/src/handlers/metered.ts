import type { JobType } from "@ai-jobs/contracts";
import { createUsageMeter, type UsageMeter } from "@ai-jobs/llm";
import { type JobContext, type JobHandler, recordLlmUsage } from "@ai-jobs/runtime";
import type { PlannerDeps } from "./deps.js";

export type MeteredHandler<T extends JobType> = (ctx: JobContext<T>, usage: UsageMeter) => ReturnType<JobHandler<T>>;

/**
 * Gives a handler a fresh usage meter per attempt and stores what it recorded when the attempt ends, whether it
 * succeeded or failed: tokens spent on a failed attempt were spent all the same. The tokens also go to the
 * `aijobs_llm_tokens_total` counter (by model and tenant) and onto the attempt's process span.
 */
export function metered<T extends JobType>(
  deps: Pick<PlannerDeps, "usage" | "metrics">,
  handler: MeteredHandler<T>,
): JobHandler<T> {
  return async (ctx) => {
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
        await deps.usage.record(ctx.command, ctx.attempt, totals).catch((err: unknown) => {
          ctx.log.warn({ err }, "could not record LLM usage");
        });
      }
    }
  };
}
