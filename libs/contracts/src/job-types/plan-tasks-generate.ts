import { z } from "zod";
import { jobType } from "./job-type.js";

export const PlanTasksGeneratePayload = z.object({
  planId: z.string().min(1),
  dayId: z.string().min(1),
  sectionId: z.string().min(1),
});
export const PlanTasksGenerateResult = z.object({ plan_id: z.string(), task_ids: z.array(z.string()) });

/** One section's tasks of one day drafted again. */
export const PLAN_TASKS_GENERATE = jobType({
  type: "plan.tasks.generate",
  queue: "ai_generation",
  payload: PlanTasksGeneratePayload,
  result: PlanTasksGenerateResult,
  timeoutMs: 60_000,
  maxAttempts: 3,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
  spendsTokens: true,
});
