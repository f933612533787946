import { ERROR_CODES } from "@ai-jobs/contracts";
import type { FailureHook } from "@ai-jobs/runtime";
import type { PlansRepo } from "../data/plans-repo.js";
import { storeFallbackSummary } from "./plan-summary.js";

/**
 * When a plan.generate job fails for good, the plan shows it: `generationStatus: failed` and `lastError`. The
 * incremental jobs (one day, one section) leave the plan's status alone: its content is still whole, and their
 * error is on the job record. A plan.summary job that failed for good (say, a timeout on its last attempt) leaves
 * the deterministic fallback summary, so a summary is never empty; a cancelled one leaves the plan as it was.
 * Reads the raw payload, since the failure may be that the payload was invalid.
 */
export function onPlannerFailure(repo: PlansRepo): FailureHook {
  return async (command, error, log) => {
    if (command.type !== "plan.generate" && command.type !== "plan.summary") return;
    const planId = command.payload.planId;
    if (typeof planId !== "string" || planId.length === 0) {
      log.warn(`failed ${command.type} job names no plan; nothing to mark`);
      return;
    }
    if (command.type === "plan.generate") {
      await repo.markGenerationFailed(command.tenantId, planId, error.message);
    } else if (error.code !== ERROR_CODES.cancelled) {
      await storeFallbackSummary(repo, command.tenantId, planId, command.jobId);
    }
  };
}
