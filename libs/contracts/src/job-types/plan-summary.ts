import { z } from "zod";
import { jobType } from "./job-type.js";

export const PlanSummaryPayload = z.object({ planId: z.string().min(1) });
export const PlanSummaryResult = z.object({
  plan_id: z.string(),
  provider: z.string(),
  /** True when the LLM failed for good and the deterministic fallback summary was stored. */
  fallback: z.boolean(),
});

/** A plan's summary, written by the model (or the deterministic fallback when it fails for good). */
export const PLAN_SUMMARY = jobType({
  type: "plan.summary",
  queue: "ai_generation",
  payload: PlanSummaryPayload,
  result: PlanSummaryResult,
  timeoutMs: 60_000,
  maxAttempts: 3,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
  spendsTokens: true,
});
