import type { FailureHook } from "@ai-jobs/runtime";
import type { PlansRepo } from "../data/plans-repo.js";

/**
 * When a plan.generate job fails for good, the plan shows it: `generationStatus: failed` and `lastError`. The
 * incremental jobs (one day, one section) leave the plan's status alone: its content is still whole, and their
 * error is on the job record. Reads the raw payload, since the failure may be that the payload was invalid.
 */
export function onPlannerFailure(repo: PlansRepo): FailureHook {
  return async (command, error, log) => {
    if (command.type !== "plan.generate") return;
    const planId = command.payload.planId;
    if (typeof planId !== "string" || planId.length === 0) {
      log.warn("failed plan.generate job names no plan; nothing to mark");
      return;
    }
    await repo.markGenerationFailed(command.tenantId, planId, error.message);
  };
}
