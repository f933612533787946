import { z } from "zod";
import { IsoDate } from "../domain.js";
import { jobType } from "./job-type.js";

export const PlanGeneratePayload = z.object({
  planId: z.string().min(1),
  goal: z.string().min(1),
  title: z.string().min(1),
  studyContext: z.string().nullable(),
  startDate: IsoDate,
  endDate: IsoDate,
  dailyMinutes: z.number().int().min(15).max(600),
});
/** What a plan is generated from: the plan's own fields, whoever asks (a new plan or a regeneration). */
export type PlanBrief = Omit<z.infer<typeof PlanGeneratePayload>, "planId">;
/** A plan's brief, from its record or a payload: the one place that lists the fields generation reads. */
export const planBriefOf = (plan: PlanBrief): PlanBrief => ({
  goal: plan.goal,
  title: plan.title,
  studyContext: plan.studyContext,
  startDate: plan.startDate,
  endDate: plan.endDate,
  dailyMinutes: plan.dailyMinutes,
});
export const PlanGenerateResult = z.object({
  plan_id: z.string(),
  day_count: z.number().int(),
  task_count: z.number().int(),
  provider: z.string(),
});

/** A whole plan drafted from its brief: the outline, then every day's tasks. */
export const PLAN_GENERATE = jobType({
  type: "plan.generate",
  queue: "ai_generation",
  payload: PlanGeneratePayload,
  result: PlanGenerateResult,
  timeoutMs: 180_000,
  maxAttempts: 3,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
  spendsTokens: true,
});
