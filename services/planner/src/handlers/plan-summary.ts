import { ERROR_CODES, JOB_TYPES } from "@ai-jobs/contracts";
import { isFinalFailure, PermanentError } from "@ai-jobs/runtime";
import type { PlanRepository } from "../data/plans.js";
import { planContentOf } from "../domain/plan-content.js";
import { deterministicSummary } from "../domain/summary.js";
import type { PlannerDeps } from "./deps.js";
import { metered } from "./metered.js";

/** The `provider` of a summary written without the model. */
export const FALLBACK_SUMMARY_PROVIDER = "fallback";

/**
 * plan.summary: the model summarises the plan and the summary is stored on it. A failed call is retried like any
 * job; on the last attempt (or a permanent error such as a 401) the deterministic summary is stored instead and the
 * job succeeds with `fallback: true`, so a plan's summary is never left empty. A timeout on the last attempt cannot
 * be caught here; the failure hook stores the fallback then.
 */
export function planSummary(deps: PlannerDeps) {
  const { repo, provider } = deps;
  return metered<"plan.summary">(deps, async ({ command, payload, signal, attempt, log, progress }, usage) => {
    const found = await repo.findContent(command.tenantId, payload.planId);
    if (!found) throw new PermanentError(ERROR_CODES.notFound, `study plan ${payload.planId} not found`);
    const content = planContentOf(found.plan, found.days, found.tasks);
    await progress({ pct: 10, step: "summary", message: "writing the summary" });
    try {
      const text = await provider.summarise(content, { jobType: command.type, signal, usage });
      await repo.saveSummary(command.tenantId, payload.planId, {
        text,
        provider: provider.name,
        fallback: false,
        jobId: command.jobId,
        generatedAt: new Date(),
      });
      return { plan_id: payload.planId, provider: provider.name, fallback: false };
    } catch (err) {
      if (signal.aborted || !isFinalFailure(err, attempt, JOB_TYPES["plan.summary"].maxAttempts)) throw err;
      log.warn({ err }, "the model could not summarise the plan; storing the fallback summary");
      await repo.saveSummary(command.tenantId, payload.planId, fallbackSummary(content, command.jobId));
      return { plan_id: payload.planId, provider: FALLBACK_SUMMARY_PROVIDER, fallback: true };
    }
  });
}

const fallbackSummary = (content: Parameters<typeof deterministicSummary>[0], jobId: string) => ({
  text: deterministicSummary(content),
  provider: FALLBACK_SUMMARY_PROVIDER,
  fallback: true,
  jobId,
  generatedAt: new Date(),
});

/** For the failure hook: stores the fallback summary unless this job already stored one. */
export async function storeFallbackSummary(repo: PlanRepository, tenantId: string, planId: string, jobId: string) {
  const found = await repo.findContent(tenantId, planId);
  if (!found || found.plan.summary?.jobId === jobId) return;
  await repo.saveSummary(tenantId, planId, fallbackSummary(planContentOf(found.plan, found.days, found.tasks), jobId));
}
