import { z } from "zod";
import { IsoDate } from "./domain.js";
import type { Queue } from "./queues.js";
import type { StorageKind } from "./subjects.js";

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

export const PlanDayGeneratePayload = z.object({ planId: z.string().min(1), dayId: z.string().min(1) });
export const PlanDayGenerateResult = z.object({
  plan_id: z.string(),
  day_id: z.string(),
  task_ids: z.array(z.string()),
});

export const PlanTasksGeneratePayload = z.object({
  planId: z.string().min(1),
  dayId: z.string().min(1),
  sectionId: z.string().min(1),
});
export const PlanTasksGenerateResult = z.object({ plan_id: z.string(), task_ids: z.array(z.string()) });

export const PlanSummaryPayload = z.object({ planId: z.string().min(1) });
export const PlanSummaryResult = z.object({
  plan_id: z.string(),
  provider: z.string(),
  /** True when the LLM failed for good and the deterministic fallback summary was stored. */
  fallback: z.boolean(),
});

export const EXPORT_FORMATS = ["xlsx"] as const;
export const PlanExportPayload = z.object({
  planId: z.string().min(1),
  format: z.enum(EXPORT_FORMATS).default("xlsx"),
});
export const PlanExportResult = z.object({
  plan_id: z.string(),
  export_id: z.string(),
  filename: z.string(),
  size: z.number().int().min(0),
  /** Where the file is downloaded: `GET /api/ai/exports/{export_id}/`. */
  download_path: z.string(),
});

export const MaterialIngestPayload = z.object({
  planId: z.string().min(1),
  documentId: z.string().min(1),
  fileId: z.string().min(1),
  filename: z.string().min(1),
  contentType: z.string().min(1),
});
export const MaterialIngestResult = z.object({
  document_id: z.string(),
  chunk_count: z.number().int(),
  /** Chunks sent to the embedder; the others reused the vector of the same text already in the plan. */
  embedded_count: z.number().int().optional(),
  /** True when the file was the one already ingested for this document: nothing was redone. */
  unchanged: z.boolean().optional(),
  summary_kind: z.enum(["llm", "extractive"]).optional(),
});

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export interface JobTypeSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  queue: Queue;
  payload: P;
  result: R;
  /** Hard limit for one attempt; the handler's AbortSignal fires when it passes. */
  timeoutMs: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /**
   * Its product is a model's answer: the gateway refuses it for a tenant over its daily token budget, and the worker
   * checks that budget before it starts. (`material.ingest` is not: its summary is checked before its own call and
   * falls back to an extractive one.) Every job's model calls are charged to the budget after.
   */
  spendsTokens: boolean;
  /** Writes a file into this object store: its tenant's byte quota there is checked before, and charged after. */
  storesIn?: StorageKind;
}

const spec = <P extends z.ZodType, R extends z.ZodType>(s: JobTypeSpec<P, R>) => s;

/** Every job the platform runs. The gateway validates payloads with it, workers validate them again. */
export const JOB_TYPES = {
  "plan.generate": spec({
    queue: "ai_generation",
    payload: PlanGeneratePayload,
    result: PlanGenerateResult,
    timeoutMs: 180_000,
    maxAttempts: 3,
    backoff: { baseMs: 2_000, maxMs: 60_000 },
    spendsTokens: true,
  }),
  "plan.day.generate": spec({
    queue: "ai_generation",
    payload: PlanDayGeneratePayload,
    result: PlanDayGenerateResult,
    timeoutMs: 60_000,
    maxAttempts: 3,
    backoff: { baseMs: 2_000, maxMs: 60_000 },
    spendsTokens: true,
  }),
  "plan.tasks.generate": spec({
    queue: "ai_generation",
    payload: PlanTasksGeneratePayload,
    result: PlanTasksGenerateResult,
    timeoutMs: 60_000,
    maxAttempts: 3,
    backoff: { baseMs: 2_000, maxMs: 60_000 },
    spendsTokens: true,
  }),
  "plan.summary": spec({
    queue: "ai_generation",
    payload: PlanSummaryPayload,
    result: PlanSummaryResult,
    timeoutMs: 60_000,
    maxAttempts: 3,
    backoff: { baseMs: 2_000, maxMs: 60_000 },
    spendsTokens: true,
  }),
  "plan.export": spec({
    queue: "ai_generation",
    payload: PlanExportPayload,
    result: PlanExportResult,
    timeoutMs: 120_000,
    maxAttempts: 3,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    spendsTokens: false,
    storesIn: "exports",
  }),
  "material.ingest": spec({
    queue: "ingest",
    payload: MaterialIngestPayload,
    result: MaterialIngestResult,
    timeoutMs: 300_000,
    maxAttempts: 5,
    backoff: { baseMs: 1_000, maxMs: 120_000 },
    spendsTokens: false,
  }),
} as const;

export type JobType = keyof typeof JOB_TYPES;
export const JOB_TYPE_NAMES = Object.keys(JOB_TYPES) as JobType[];
export const JobTypeName = z.enum(JOB_TYPE_NAMES as [JobType, ...JobType[]]);
export type PayloadOf<T extends JobType> = z.infer<(typeof JOB_TYPES)[T]["payload"]>;
export type ResultOf<T extends JobType> = z.infer<(typeof JOB_TYPES)[T]["result"]>;

export const isJobType = (name: string): name is JobType => Object.hasOwn(JOB_TYPES, name);
