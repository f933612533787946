import { ERROR_CODES, type StudyDay, type StudyPlan } from "@ai-jobs/contracts";
import { PermanentError } from "@ai-jobs/runtime";
import type { PlanRepository } from "../data/plans.js";

/** The plan and one of its days, as the incremental jobs need them; a missing one fails the job for good. */
export async function loadPlanDay(
  repo: PlanRepository,
  tenantId: string,
  planId: string,
  dayId: string,
): Promise<{ plan: StudyPlan; day: StudyDay }> {
  const plan = await repo.findPlan(tenantId, planId);
  if (!plan) throw new PermanentError(ERROR_CODES.notFound, `study plan ${planId} not found`);
  const day = await repo.findDay(tenantId, planId, dayId);
  if (!day) throw new PermanentError(ERROR_CODES.notFound, `day ${dayId} not found in study plan ${planId}`);
  return { plan, day };
}
