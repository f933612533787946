import { z } from "zod";
import { DayStatus, GenerationStatus, IngestStatus, IsoDate, TaskKind, TaskStatus } from "./domain.js";
import { JobError, JobStatus } from "./job.js";
import { Priority, Queue } from "./queues.js";
import { WebhookFailureReason } from "./webhook-failure.js";

const DAY_MS = 86_400_000;
export const MAX_PLAN_DAYS = 366;

/** The longest a job may be delayed (`delay_ms`) or scheduled ahead (`run_at`). */
export const MAX_DELAY_MS = 30 * DAY_MS;

export const MAX_WEBHOOK_URL_LENGTH = 2_048;

/**
 * An absolute http(s) URL of at most 2,048 characters. Its port and an IP literal host are checked against the
 * webhook target policy at submit; the addresses a name resolves to, at delivery.
 */
export const WebhookUrl = z
  .string()
  .trim()
  .max(MAX_WEBHOOK_URL_LENGTH)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be an http or https URL");

/**
 * Options every submit route accepts: the priority, and at most one of `delay_ms` (countdown) or `run_at`
 * (ETA, ISO 8601 with offset). A delayed job stays `queued` with `run_at` until it is due.
 */
export const submitOptionsShape = {
  priority: Priority.default("normal"),
  delay_ms: z.coerce.number().int().min(0).max(MAX_DELAY_MS).optional(),
  run_at: z.string().datetime({ offset: true }).optional(),
  /** Where the job's terminal event is POSTed (signed per Standard Webhooks). */
  webhook_url: WebhookUrl.optional(),
} as const;

/** Checks the rule the fields alone cannot: at most one of delay_ms and run_at, and run_at within range. */
export function refineSubmitOptions(
  body: { delay_ms?: number | undefined; run_at?: string | undefined },
  ctx: z.RefinementCtx,
  now: number = Date.now(),
): void {
  if (body.delay_ms !== undefined && body.run_at !== undefined) {
    ctx.addIssue({ code: "custom", path: ["run_at"], message: "give delay_ms or run_at, not both" });
  }
  if (body.run_at !== undefined && Date.parse(body.run_at) - now > MAX_DELAY_MS) {
    ctx.addIssue({ code: "custom", path: ["run_at"], message: "must be within 30 days" });
  }
}

/** When a submitted job is due: undefined for "now". */
export function runAtOf(
  body: { delay_ms?: number | undefined; run_at?: string | undefined },
  now: number,
): Date | undefined {
  if (body.delay_ms !== undefined && body.delay_ms > 0) return new Date(now + body.delay_ms);
  if (body.run_at !== undefined && Date.parse(body.run_at) > now) return new Date(body.run_at);
  return undefined;
}

/** `POST /api/ai/study-plans/generate/` */
export const GeneratePlanRequest = z
  .object({
    goal: z.string().trim().min(3).max(2_000),
    title: z.string().trim().min(1).max(200).optional(),
    study_context: z.string().trim().max(4_000).optional(),
    start_date: IsoDate,
    end_date: IsoDate,
    daily_minutes: z.number().int().min(15).max(600).default(60),
    ...submitOptionsShape,
  })
  .strict()
  .superRefine((body, ctx) => {
    const span = (Date.parse(body.end_date) - Date.parse(body.start_date)) / DAY_MS + 1;
    if (span < 1) ctx.addIssue({ code: "custom", path: ["end_date"], message: "must not be before start_date" });
    else if (span > MAX_PLAN_DAYS)
      ctx.addIssue({ code: "custom", path: ["end_date"], message: `a plan spans at most ${MAX_PLAN_DAYS} days` });
    refineSubmitOptions(body, ctx);
  });
export type GeneratePlanRequest = z.infer<typeof GeneratePlanRequest>;

export const TaskView = z.object({
  id: z.string(),
  title: z.string(),
  kind: TaskKind,
  estimated_minutes: z.number().int(),
  status: TaskStatus,
  time_spent_minutes: z.number().int(),
  /** Material chunks the task was built from (RAG). */
  source_chunk_ids: z.array(z.string()),
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
  summary: z
    .object({
      text: z.string(),
      provider: z.string(),
      fallback: z.boolean(),
      job_id: z.string(),
      generated_at: z.string(),
    })
    .nullable(),
  completion: z.object({
    done_tasks: z.number().int(),
    total_tasks: z.number().int(),
    pct: z.number().int(),
    minutes_spent: z.number().int(),
  }),
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
  /** Who submitted it: a member may cancel or retry only its own jobs. */
  user_id: z.string(),
  /** A delayed job's due time. */
  run_at: z.string().nullable(),
  /** Explicit retries so far. */
  retries: z.number().int(),
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
export const UploadFields = z
  .object(submitOptionsShape)
  .strict()
  .superRefine((body, ctx) => refineSubmitOptions(body, ctx));
export type UploadFields = z.infer<typeof UploadFields>;

/**
 * `GET /api/ai/jobs/` filters; `cursor` is the last `job_id` of the previous page (ids sort by creation). `since` and
 * `until` bound `created_at` (ISO 8601 with offset; `since` included, `until` not).
 */
export const JobListQuery = z
  .object({
    status: JobStatus.optional(),
    type: z.string().min(1).optional(),
    queue: Queue.optional(),
    priority: Priority.optional(),
    since: z.string().datetime({ offset: true }).optional(),
    until: z.string().datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).optional(),
  })
  .strict();
export type JobListQuery = z.infer<typeof JobListQuery>;

export const JobListView = z.object({ items: z.array(JobView), next_cursor: z.string().nullable() });
export type JobListView = z.infer<typeof JobListView>;

/** One stored job event, `GET /api/ai/jobs/{id}/events/`. */
export const JobEventView = z.object({
  seq: z.number().int(),
  kind: z.string(),
  attempt: z.number().int(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export type JobEventView = z.infer<typeof JobEventView>;

/** `GET /api/ai/jobs/{id}/events/` */
export const JobEventListView = z.object({ items: z.array(JobEventView) });
export type JobEventListView = z.infer<typeof JobEventListView>;

/** `POST /api/ai/jobs/stream-token/`: a browser stream token and when it expires. */
export const StreamTokenView = z.object({ token: z.string().min(1), expires_at: z.string() });
export type StreamTokenView = z.infer<typeof StreamTokenView>;

/** A dead letter as the admin API shows it. `seq` is its JOBS_DLQ sequence. */
export const DeadLetterView = z.object({
  seq: z.number().int(),
  job_id: z.string().nullable(),
  queue: z.string(),
  type: z.string().nullable(),
  error: JobError,
  attempts: z.number().int(),
  original_subject: z.string(),
  dead_lettered_at: z.string(),
  replayed_at: z.string().nullable(),
});
export type DeadLetterView = z.infer<typeof DeadLetterView>;

/** `GET /api/ai/admin/dead-letters/`: newest first; `next_cursor` is the `seq` to pass as `cursor` for the next page. */
export const DeadLetterListView = z.object({ items: z.array(DeadLetterView), next_cursor: z.string().nullable() });
export type DeadLetterListView = z.infer<typeof DeadLetterListView>;

/** One POST of a webhook delivery: the HTTP status when one came back, and a coarse reason when it failed. */
export const WebhookAttemptView = z.object({
  at: z.string(),
  status: z.number().int().nullable(),
  error: WebhookFailureReason.nullable(),
  duration_ms: z.number().int(),
});
export type WebhookAttemptView = z.infer<typeof WebhookAttemptView>;

/** `GET /api/ai/jobs/{id}/webhooks/`: one delivery per terminal event; `id` is its `webhook-id`. */
export const WebhookDeliveryView = z.object({
  id: z.string(),
  job_id: z.string(),
  event_type: z.string(),
  url: z.string(),
  state: z.enum(["pending", "delivered", "failed"]),
  attempts: z.array(WebhookAttemptView),
  next_attempt_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>;

export const WebhookDeliveryListView = z.object({ items: z.array(WebhookDeliveryView) });
export type WebhookDeliveryListView = z.infer<typeof WebhookDeliveryListView>;

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

/** A `0`/`1` (or `false`/`true`) query flag. */
const QueryFlag = z
  .enum(["0", "1", "false", "true"])
  .transform((v) => v === "1" || v === "true")
  .optional();

/**
 * `GET /api/ai/jobs/stream/` options: `all=1` follows every job of the caller's tenant (instead of `job_id`s) and
 * never ends on its own; `follow=1` keeps a `job_id` stream open after all its jobs have finished.
 */
export const StreamOptions = z.object({ all: QueryFlag, follow: QueryFlag });
export type StreamOptions = z.infer<typeof StreamOptions>;
