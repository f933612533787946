/** Test support for the planner's integration tests (not built): the payloads of its commands. */
import { planBriefOf, type StudyPlan } from "@ai-jobs/contracts";

/** The `plan.generate` payload for a plan. */
export const generatePayload = (plan: StudyPlan) => ({ planId: plan._id, ...planBriefOf(plan) });
