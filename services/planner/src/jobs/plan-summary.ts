import { ERROR_CODES, PLAN_SUMMARY } from "@ai-jobs/contracts";
import { defineJob, type FailureHook, isFinalFailure, type JobHandler, PermanentError } from "@ai-jobs/runtime";
import type { PlanRepository } from "../data/plans.js";
import type { PlannerDeps } from "../deps.js";
import { planContentOf } from "../domain/plan-content.js";
import { deterministicSummary } from "../domain/summary.js";
import { metered } from "../generation/metered.js";
import { planIdOf } from "../generation/plan-id-of.js";

/** The `provider` of a summary written without the model. */
export const FALLBACK_SUMMARY_PROVIDER = "fallback";

/**
 * plan.summary has the model summarise a plan; when it fails for good the deterministic fallback is stored, so a
 * plan's summary is never left empty.
 */
export const planSummary = (deps: PlannerDeps) =>
  defineJob({ type: "plan.summary", handler: summarise(deps), onFailure: storeSummaryFallback(deps.repo) });

/**
 * The model summarises the plan and the summary is stored on it. A failed call is retried like any
 * job; on the last attempt (or a permanent error such as a 401) the deterministic summary is stored instead and the
 * job succeeds with `fallback: true`, so a plan's summary is never left empty. A timeout on the last attempt cannot
 * be caught here; the failure hook stores the fallback then.
 */
function summarise(deps: PlannerDeps): JobHandler<"plan.summary"> {
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
      if (signal.aborted || !isFinalFailure(err, attempt, PLAN_SUMMARY.maxAttempts)) throw err;
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

/**
 * The failure hook: a job that failed for good (say, a timeout on its last attempt) leaves the fallback summary, unless
 * it already stored one; a cancelled one leaves the plan as it was.
 */
function storeSummaryFallback(repo: PlanRepository): FailureHook<"plan.summary"> {
  return async (command, error, log) => {
    if (error.code === ERROR_CODES.cancelled) return;
    const planId = planIdOf(command, log);
    if (!planId) return;
    const found = await repo.findContent(command.tenantId, planId);
    if (!found || found.plan.summary?.jobId === command.jobId) return;
    const content = planContentOf(found.plan, found.days, found.tasks);
    await repo.saveSummary(command.tenantId, planId, fallbackSummary(content, command.jobId));
  };
}
