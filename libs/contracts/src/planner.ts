import { z } from "zod";
import { DayStatus, TaskStatus } from "./domain.js";

/** MongoDB collection of LLM usage: one record per job attempt that called a model (or the offline provider). */
export const LLM_USAGE_COLLECTION = "llm_usage";

/** What one job attempt spent. `_id` is `<jobId>:<attempt>`, so a redelivered attempt overwrites its own record. */
export const LlmUsageRecord = z.object({
  _id: z.string(),
  tenantId: z.string(),
  jobId: z.string(),
  type: z.string(),
  attempt: z.number().int().min(1),
  /** `openai` (any OpenAI-compatible server) or `offline`. */
  system: z.string(),
  model: z.string(),
  calls: z.number().int().min(0),
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  latencyMs: z.number().int().min(0),
  at: z.date(),
});
export type LlmUsageRecord = z.infer<typeof LlmUsageRecord>;

/** A chunk of a plan's ingested material, as a prompt cites it. */
export const ContextChunk = z.object({ id: z.string(), text: z.string() });
export type ContextChunk = z.infer<typeof ContextChunk>;

/** `POST /api/ai/study-tasks/{task_id}/progress/` */
export const TaskProgressRequest = z
  .object({
    status: TaskStatus,
    /** Total minutes spent on the task so far (not an increment), so a repeated request changes nothing. */
    time_spent_minutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60 * 30),
  })
  .strict();
export type TaskProgressRequest = z.infer<typeof TaskProgressRequest>;

export const TaskProgressResponse = z.object({
  task_id: z.string(),
  status: TaskStatus,
  time_spent_minutes: z.number().int(),
  day: z.object({ id: z.string(), status: DayStatus }),
  plan: z.object({
    id: z.string(),
    completion: z.object({
      done_tasks: z.number().int(),
      total_tasks: z.number().int(),
      pct: z.number().int(),
      minutes_spent: z.number().int(),
    }),
  }),
});
export type TaskProgressResponse = z.infer<typeof TaskProgressResponse>;

/** The answer of the routes that submit a planner job on an existing plan (summary, export, regenerations). */
export const PlanJobResponse = z.object({ plan_id: z.string(), job_id: z.string() });
export type PlanJobResponse = z.infer<typeof PlanJobResponse>;

/** `POST /api/ai/study-plans/{id}/export/` */
export const PlanExportRequest = z.object({ format: z.enum(["xlsx"]).default("xlsx") }).strict();

/** `POST /api/ai/study-plans/{id}/tasks/`: regenerate the tasks of one section of one day. */
export const PlanTasksRequest = z.object({ day_id: z.string().min(1), section_id: z.string().min(1) }).strict();

export const UsageTotalsView = z.object({
  calls: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  latency_ms: z.number().int(),
});
export type UsageTotalsView = z.infer<typeof UsageTotalsView>;

/** `GET /api/ai/jobs/{id}/usage/` */
export const JobUsageView = z.object({
  job_id: z.string(),
  totals: UsageTotalsView,
  attempts: z.array(
    z.object({
      attempt: z.number().int(),
      system: z.string(),
      model: z.string(),
      calls: z.number().int(),
      prompt_tokens: z.number().int(),
      completion_tokens: z.number().int(),
      latency_ms: z.number().int(),
      at: z.string(),
    }),
  ),
});
export type JobUsageView = z.infer<typeof JobUsageView>;

/** `GET /api/ai/usage/?since=&until=`: the caller's tenant, per model and job type. */
export const TenantUsageQuery = z
  .object({
    since: z.string().datetime({ offset: true }).optional(),
    until: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
export const TenantUsageView = z.object({
  since: z.string().nullable(),
  until: z.string().nullable(),
  totals: UsageTotalsView,
  by_model: z.array(UsageTotalsView.extend({ system: z.string(), model: z.string() })),
  by_type: z.array(UsageTotalsView.extend({ type: z.string() })),
  /** Per UTC day (`YYYY-MM-DD`) and model, oldest day first. */
  by_day: z.array(UsageTotalsView.extend({ day: z.string(), system: z.string(), model: z.string() })),
});
export type TenantUsageView = z.infer<typeof TenantUsageView>;
