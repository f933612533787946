import { z } from "zod";
import { jobType } from "./job-type.js";

export const PlanDayGeneratePayload = z.object({ planId: z.string().min(1), dayId: z.string().min(1) });
export const PlanDayGenerateResult = z.object({
  plan_id: z.string(),
  day_id: z.string(),
  task_ids: z.array(z.string()),
});

/** One day's tasks drafted again. */
export const PLAN_DAY_GENERATE = jobType({
  type: "plan.day.generate",
  queue: "ai_generation",
  payload: PlanDayGeneratePayload,
  result: PlanDayGenerateResult,
  timeoutMs: 60_000,
  maxAttempts: 3,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
  spendsTokens: true,
});
