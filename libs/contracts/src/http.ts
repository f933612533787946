import { z } from "zod";
import { DayStatus, GenerationStatus, IngestStatus, IsoDate, TaskKind, TaskStatus } from "./domain.js";
import { JobError, JobStatus } from "./job.js";
import { Priority } from "./queues.js";

const DAY_MS = 86_400_000;
export const MAX_PLAN_DAYS = 366;

/** `POST /api/ai/study-plans/generate/` */
export const GeneratePlanRequest = z
  .object({
    goal: z.string().trim().min(3).max(2_000),
    title: z.string().trim().min(1).max(200).optional(),
    study_context: z.string().trim().max(4_000).optional(),
    start_date: IsoDate,
    end_date: IsoDate,
    daily_minutes: z.number().int().min(15).max(600).default(60),
    priority: Priority.default("normal"),
  })
  .strict()
  .superRefine((body, ctx) => {
    const span = (Date.parse(body.end_date) - Date.parse(body.start_date)) / DAY_MS + 1;
    if (span < 1) ctx.addIssue({ code: "custom", path: ["end_date"], message: "must not be before start_date" });
    else if (span > MAX_PLAN_DAYS)
      ctx.addIssue({ code: "custom", path: ["end_date"], message: `a plan spans at most ${MAX_PLAN_DAYS} days` });
  });
export type GeneratePlanRequest = z.infer<typeof GeneratePlanRequest>;

export const TaskView = z.object({
  id: z.string(),
  title: z.string(),
  kind: TaskKind,
  estimated_minutes: z.number().int(),
  status: TaskStatus,
  time_spent_minutes: z.number().int(),
});
export type TaskView = z.infer<typeof TaskView>;

export const SectionView = z.object({ id: z.string(), title: z.string(), tasks: z.array(TaskView) });
export const DayView = z.object({
  id: z.string(),
  index: z.number().int(),
  date: IsoDate,
  title: z.string(),
  status: DayStatus,
  sections: z.array(SectionView),
});
export type DayView = z.infer<typeof DayView>;

export const PlanView = z.object({
  id: z.string(),
  title: z.string(),
  goal: z.string(),
  study_context: z.string().nullable(),
  start_date: IsoDate,
  end_date: IsoDate,
  daily_minutes: z.number().int(),
  generation_status: GenerationStatus,
  ingest_status: IngestStatus,
  last_error: z.string().nullable(),
  job_id: z.string().nullable(),
  provider: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  days: z.array(DayView),
});
export type PlanView = z.infer<typeof PlanView>;

export const GeneratePlanResponse = PlanView.extend({ job_id: z.string() });
export type GeneratePlanResponse = z.infer<typeof GeneratePlanResponse>;

export const JobView = z.object({
  job_id: z.string(),
  type: z.string(),
  queue: z.string(),
  priority: Priority,
  status: JobStatus,
  progress: z.object({ pct: z.number(), step: z.string().nullable(), message: z.string().nullable() }),
  attempt: z.number().int(),
  max_attempts: z.number().int(),
  last_error: JobError.nullable(),
  result_refs: z.record(z.string(), z.unknown()).nullable(),
  trace_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type JobView = z.infer<typeof JobView>;

/** `POST /api/ai/study-plans/{id}/materials/` */
export const UploadResponse = z.object({ job_id: z.string(), file_id: z.string(), document_id: z.string() });
export type UploadResponse = z.infer<typeof UploadResponse>;

/** Optional form fields next to the uploaded file. */
export const UploadFields = z.object({ priority: Priority.default("normal") });

/** RFC 9457 problem details, with our stable code and the failing fields. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  code: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  instance: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

export const DependencyHealth = z.object({ ok: z.boolean(), detail: z.string().optional() });
export const HealthView = z.object({
  status: z.enum(["ok", "degraded"]),
  nats: DependencyHealth,
  mongo: DependencyHealth,
  queues: z.array(
    z.object({ queue: z.string(), priority: Priority, backlog: z.number().int(), in_flight: z.number().int() }),
  ),
});
export type HealthView = z.infer<typeof HealthView>;

/** `GET /api/ai/jobs/stream/` query: one or more job ids. */
export const MAX_STREAM_JOBS = 100;
export const StreamQuery = z.object({
  job_id: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.string().min(1)).min(1).max(MAX_STREAM_JOBS)),
});
