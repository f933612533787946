import { ERROR_CODES, type JobCommand } from "@ai-jobs/contracts";
import type { FailureHook, Logger } from "@ai-jobs/runtime";
import type { PlanRepository } from "../data/plans.js";
import { storeFallbackSummary } from "./plan-summary.js";

/**
 * The failure hooks of the planner's job types (the incremental ones, one day or one section, have none: the plan's
 * content is still whole, and their error is on the job record). They read the raw payload, since the failure may be
 * that the payload was invalid.
 */

/** A plan.generate job that failed for good or was cancelled: the plan shows it (`generationStatus: failed`, `lastError`). */
export function markPlanFailed(repo: PlanRepository): FailureHook<"plan.generate"> {
  return async (command, error, log) => {
    const planId = planIdOf(command, log);
    if (planId) await repo.markGenerationFailed(command.tenantId, planId, error.message);
  };
}

/**
 * A plan.summary job that failed for good (say, a timeout on its last attempt) leaves the deterministic fallback
 * summary, so a summary is never empty; a cancelled one leaves the plan as it was.
 */
export function storeSummaryFallback(repo: PlanRepository): FailureHook<"plan.summary"> {
  return async (command, error, log) => {
    if (error.code === ERROR_CODES.cancelled) return;
    const planId = planIdOf(command, log);
    if (planId) await storeFallbackSummary(repo, command.tenantId, planId, command.jobId);
  };
}

function planIdOf(command: JobCommand, log: Logger): string | undefined {
  const planId = command.payload.planId;
  if (typeof planId === "string" && planId.length > 0) return planId;
  log.warn(`failed ${command.type} job names no plan; nothing to mark`);
  return undefined;
}
