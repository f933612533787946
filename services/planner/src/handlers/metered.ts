import type { JobType } from "@ai-jobs/contracts";
import { createUsageMeter, type UsageMeter } from "@ai-jobs/llm";
import type { JobContext, JobHandler } from "@ai-jobs/runtime";
import type { UsageRepo } from "../data/usage-repo.js";

export type MeteredHandler<T extends JobType> = (ctx: JobContext<T>, usage: UsageMeter) => ReturnType<JobHandler<T>>;

/**
 * Gives a handler a fresh usage meter per attempt and stores what it recorded when the attempt ends, whether it
 * succeeded or failed: tokens spent on a failed attempt were spent all the same.
 */
export function metered<T extends JobType>(repo: UsageRepo, handler: MeteredHandler<T>): JobHandler<T> {
  return async (ctx) => {
    const usage = createUsageMeter();
    try {
      return await handler(ctx, usage);
    } finally {
      const totals = usage.totals();
      if (totals) {
        await repo.record(ctx.command, ctx.attempt, totals).catch((err: unknown) => {
          ctx.log.warn({ err }, "could not record LLM usage");
        });
      }
    }
  };
}
