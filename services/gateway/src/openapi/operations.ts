import { ERROR_CODES, type ErrorCode } from "@ai-jobs/contracts";
import type { ErrorStatus } from "./problems.js";

export const TAGS = [
  { name: "Plans", description: "Study plans and the planner jobs on them." },
  { name: "Materials", description: "Study materials: uploads and search." },
  { name: "Jobs", description: "Background jobs: read, list, cancel, retry, follow." },
  { name: "Usage", description: "LLM usage per job and per tenant." },
  { name: "API keys", description: "A tenant's API keys (owners and admins)." },
  { name: "Operations", description: "Queues, schedules, dead letters and health (mostly admins)." },
  { name: "Meta", description: "This description, and who the caller is." },
] as const;
export type Tag = (typeof TAGS)[number]["name"];

/** What the zod schemas cannot say about an operation. */
export interface OperationDoc {
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  /**
   * Error statuses this operation answers besides those every operation of its kind does (problems.ts, `decorate`),
   * with what they mean here; a status every operation answers may be listed to say more about it.
   */
  errors?: Partial<Record<ErrorStatus, string>>;
  /** What the route's own answers (by status) mean, when more than the status phrase. */
  answers?: Readonly<Record<string, string>>;
  /** Codes a 429 may carry here besides `RATE_LIMITED`. */
  limits?: readonly ErrorCode[];
  /** Takes `Idempotency-Key`; answers `Idempotent-Replayed: true` on a repeat. */
  idempotent?: true;
}

const SUBMIT_LIMITS = [ERROR_CODES.tenantQueueFull] as const;
const LLM_LIMITS = [...SUBMIT_LIMITS, ERROR_CODES.budgetExceeded] as const;
const QUEUE_FULL =
  "Not accepted: the job's queue is full (`Retry-After: 5`), or the gateway sheds load or cannot reach its store.";
const ACCEPTED = "Accepted: the job is durable (its event and command are stored).";
const PLAN_404 = "No study plan with this id in the caller's tenant.";
const JOB_404 = "No job with this id in the caller's tenant.";
const MEMBER_403 = "A viewer may not submit; a member only on the plans it created.";

const planJob = (operationId: string, summary: string, description: string): OperationDoc => ({
  operationId,
  tag: "Plans",
  summary,
  description: `${description} Answers at once with the job to follow (\`GET /jobs/{job_id}/\`, the SSE stream).`,
  answers: { 202: ACCEPTED },
  errors: { 403: MEMBER_403, 404: PLAN_404, 503: QUEUE_FULL },
  limits: LLM_LIMITS,
  idempotent: true,
});

/** Every documented operation, by method and path as the document writes them. */
export const OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  "POST /api/ai/study-plans/generate": {
    operationId: "generatePlan",
    tag: "Plans",
    summary: "Generate a study plan",
    description:
      "Stores a draft plan (`generation_status: pending`, no days) and submits a `plan.generate` job; the 202 means " +
      "the job is durable. Follow it with the SSE stream or `GET /jobs/{job_id}/`.",
    answers: { 202: `${ACCEPTED} The draft plan, with its job's id.` },
    errors: { 503: QUEUE_FULL },
    limits: LLM_LIMITS,
    idempotent: true,
  },
  "GET /api/ai/study-plans/{id}": {
    operationId: "getPlan",
    tag: "Plans",
    summary: "Read a study plan",
    description: "The plan with its days, sections and tasks in order, its summary and its completion.",
    errors: { 404: PLAN_404 },
  },
  "POST /api/ai/study-plans/{id}/summary": planJob(
    "summarizePlan",
    "Summarize a plan",
    "Submits a `plan.summary` job: an LLM summary stored on the plan (`summary`), a deterministic one if the model fails.",
  ),
  "POST /api/ai/study-plans/{id}/export": {
    ...planJob(
      "exportPlan",
      "Export a plan",
      "Submits a `plan.export` job writing an `.xlsx`; its result names the file (`GET /exports/{export_id}/`).",
    ),
    limits: [...SUBMIT_LIMITS, ERROR_CODES.quotaExceeded],
  },
  "POST /api/ai/study-plans/{id}/days/{day_id}/generate": planJob(
    "generatePlanDay",
    "Generate one day of a plan",
    "Submits a `plan.day.generate` job that creates or regenerates the day's tasks (an unknown day fails the job).",
  ),
  "POST /api/ai/study-plans/{id}/tasks": planJob(
    "generatePlanTasks",
    "Generate one section's tasks",
    "Submits a `plan.tasks.generate` job for one section of one day.",
  ),
  "POST /api/ai/study-tasks/{task_id}/progress": {
    operationId: "recordTaskProgress",
    tag: "Plans",
    summary: "Record a task's progress",
    description:
      "Synchronous: stores the task's status and its total minutes spent, recomputes its day's status and its plan's " +
      "completion, and answers all three. Repeating it changes nothing.",
    errors: { 403: "A viewer may not write; a member only on the plans it created.", 404: "No such task." },
  },
  "POST /api/ai/study-plans/{id}/materials": {
    operationId: "uploadMaterial",
    tag: "Materials",
    summary: "Upload a study material",
    description:
      "Streams one file into the object store and submits a `material.ingest` job. The kind is sniffed from the " +
      "content (PDF, DOCX, HTML, Markdown, plain text), never taken from the declared type or the name. A " +
      "rejected upload leaves nothing behind.",
    answers: { 202: `${ACCEPTED} The ingest job, the stored file and the document.` },
    errors: {
      400: "Invalid: no file or two, an empty file, a bad field, a malformed multipart body or `Idempotency-Key`.",
      403: MEMBER_403,
      404: "No such study plan, or no such `document_id` in it.",
      413: "The file is over `UPLOAD_MAX_BYTES` (25 MiB by default).",
      415: "Not `multipart/form-data`, or a file that is none of the kinds taken.",
      503: "Not accepted: the queue or the file store is unavailable, or the gateway sheds load.",
    },
    limits: [...SUBMIT_LIMITS, ERROR_CODES.quotaExceeded],
    idempotent: true,
  },
  "GET /api/ai/study-plans/{id}/search": {
    operationId: "searchPlan",
    tag: "Materials",
    summary: "Search a plan's materials",
    description: "The plan's top-k chunks for a query, ranked by cosine similarity, best first.",
    errors: {
      404: PLAN_404,
      503: "The embeddings service is unavailable (`Retry-After: 5`), or the gateway sheds load.",
    },
  },
  "GET /api/ai/jobs": {
    operationId: "listJobs",
    tag: "Jobs",
    summary: "List jobs",
    description: "The tenant's jobs, newest first; pass `next_cursor` as `cursor` for the next page.",
  },
  "GET /api/ai/jobs/{job_id}": {
    operationId: "getJob",
    tag: "Jobs",
    summary: "Read a job",
    errors: { 404: JOB_404 },
  },
  "DELETE /api/ai/jobs/{job_id}": {
    operationId: "cancelJob",
    tag: "Jobs",
    summary: "Cancel a job",
    description:
      "A job that is not running is cancelled at once; a running one is aborted by its worker (the answer still " +
      "shows `running`). Durable, and repeating it changes nothing.",
    errors: {
      403: "A viewer may not cancel; a member only the jobs it submitted.",
      404: JOB_404,
      409: "The job already finished.",
      503: "NATS is unreachable (`Retry-After: 2`; nothing changed), or the gateway sheds load.",
    },
  },
  "POST /api/ai/jobs/{job_id}/retry": {
    operationId: "retryJob",
    tag: "Jobs",
    summary: "Retry a failed or cancelled job",
    description: "Runs the job again from its stored input with a fresh attempt budget (`retries` incremented).",
    errors: {
      403: "A viewer may not retry; a member only the jobs it submitted.",
      404: JOB_404,
      409: "The job is not failed or cancelled, or its retry is already under way.",
      503: "NATS is unreachable (`Retry-After: 2`; nothing changed), or the gateway sheds load.",
    },
  },
  "GET /api/ai/jobs/{job_id}/events": {
    operationId: "listJobEvents",
    tag: "Jobs",
    summary: "A job's stored events",
    description: "Oldest first, at most 1,000; `seq` is the event's stream sequence, the SSE `id:`.",
    errors: { 404: JOB_404 },
  },
  "GET /api/ai/jobs/{job_id}/webhooks": {
    operationId: "listJobWebhooks",
    tag: "Jobs",
    summary: "A job's webhook deliveries",
    description: "One delivery per terminal event, with every attempt.",
    errors: { 404: JOB_404 },
  },
  "GET /api/ai/jobs/stream": {
    operationId: "streamJobs",
    tag: "Jobs",
    summary: "Follow jobs (SSE)",
    errors: {
      403: "A stream token that does not cover these jobs (or `all=1` with a job-scoped token).",
      404: "One of the jobs does not exist in the caller's tenant.",
      503: "The events service is unreachable (`Retry-After: 2`), or the gateway sheds load.",
    },
  },
  "POST /api/ai/jobs/stream-token": {
    operationId: "createStreamToken",
    tag: "Jobs",
    summary: "Mint a stream token",
    description:
      "A short-lived token (`STREAM_TOKEN_TTL_S`) for `GET /jobs/stream/?token=…`, for browsers (an EventSource " +
      "cannot send headers). No other route takes it. Absent (404) without `STREAM_TOKEN_SECRET`.",
  },
  "GET /api/ai/jobs/{job_id}/usage": {
    operationId: "getJobUsage",
    tag: "Usage",
    summary: "A job's LLM usage",
    description: "Each attempt's model, tokens and latency, and their sum.",
    errors: { 404: JOB_404 },
  },
  "GET /api/ai/usage": {
    operationId: "getTenantUsage",
    tag: "Usage",
    summary: "The tenant's LLM usage",
    description: "Totals by model and by job type between `since` and `until` (ISO times with offset).",
  },
  "GET /api/ai/exports/{export_id}": {
    operationId: "downloadExport",
    tag: "Plans",
    summary: "Download a plan export",
    description: "The file of a `plan.export` job (`export_id` is the job's id), as an attachment.",
    errors: {
      404: "No export job with this id in the caller's tenant, or its file is gone.",
      409: "The export job has not written its file yet.",
    },
  },
  "POST /api/ai/api-keys": {
    operationId: "createApiKey",
    tag: "API keys",
    summary: "Create an API key",
    description: "The secret (`key`) is in this answer only; only its SHA-256 is stored.",
    errors: { 403: "Only owners and admins manage API keys." },
    limits: [ERROR_CODES.quotaExceeded],
  },
  "GET /api/ai/api-keys": {
    operationId: "listApiKeys",
    tag: "API keys",
    summary: "List API keys",
    description: "The tenant's keys, never their secrets.",
    errors: { 403: "Only owners and admins manage API keys." },
  },
  "DELETE /api/ai/api-keys/{key_id}": {
    operationId: "revokeApiKey",
    tag: "API keys",
    summary: "Revoke an API key",
    description: "The key is refused from then on; its record stays, for the audit.",
    errors: { 403: "Only owners and admins manage API keys.", 404: "No such key in the caller's tenant." },
  },
  "GET /api/ai/queues": {
    operationId: "getQueues",
    tag: "Operations",
    summary: "Queue figures (admin)",
    description: "Per queue and priority: backlog, in flight, redeliveries, oldest waiting age, throughput; workers.",
    errors: { 403: "Admins only: the figures tell of every tenant's activity." },
  },
  "GET /api/ai/queues/history": {
    operationId: "getQueueHistory",
    tag: "Operations",
    summary: "Queue figures over the last hour (admin)",
    description:
      "The queue figures sampled by the gateways once per `QUEUE_SAMPLE_INTERVAL_MS`, oldest first; a slot no gateway " +
      "sampled is missing.",
    errors: { 403: "Admins only: the figures tell of every tenant's activity." },
  },
  "GET /api/ai/me": {
    operationId: "getMe",
    tag: "Meta",
    summary: "Who the credential is",
    description:
      "The credential's tenant, user and role, for a client that shows what the role may do, and the Jaeger UI a " +
      "job's `trace_id` opens in (`JAEGER_UI_URL`; null when unset).",
  },
  "GET /api/ai/schedules": {
    operationId: "listSchedules",
    tag: "Operations",
    summary: "Cron schedules",
    description: "The schedules that submit jobs for the caller's tenant; an admin sees every schedule.",
  },
  "GET /api/ai/admin/dead-letters": {
    operationId: "listDeadLetters",
    tag: "Operations",
    summary: "Dead letters (admin)",
    description: "The tenant's dead-lettered jobs, newest first; pass `next_cursor` as `cursor` for the next page.",
    errors: { 403: "Admins only." },
  },
  "POST /api/ai/admin/dead-letters/{seq}/replay": {
    operationId: "replayDeadLetter",
    tag: "Operations",
    summary: "Replay a dead letter (admin)",
    description: "Retries the dead letter's job as `POST /jobs/{job_id}/retry/` does, and sets `replayed_at`.",
    errors: {
      403: "Admins only.",
      404: "No such dead letter in the caller's tenant.",
      409: "Its job is not failed or cancelled, or it names no job.",
      503: "NATS is unreachable (`Retry-After: 2`), or the gateway sheds load.",
    },
  },
  "GET /api/ai/health": {
    operationId: "getHealth",
    tag: "Operations",
    summary: "Dependency health (admin)",
    description: "NATS and MongoDB with their errors, and per-queue backlog; 503 with the same view when one is down.",
    answers: { 200: "Every dependency answers.", 503: "A dependency is down: the same report, saying which." },
    errors: { 403: "Admins only." },
  },
  "GET /api/ai/openapi.json": {
    operationId: "getOpenApi",
    tag: "Meta",
    summary: "This OpenAPI document",
    description: "No token needed: the API's shape is public (the interactive page is at `/docs`).",
    errors: { 400: "A NUL character in the query." },
  },
};
