import {
  DeadLetterListView,
  type DeadLetterView,
  type GeneratePlanRequest,
  GeneratePlanResponse,
  JobEventListView,
  type JobEventView,
  type JobListQuery,
  JobListView,
  JobUsageView,
  JobView,
  MeView,
  type PlanExportRequest,
  PlanJobResponse,
  type PlanTasksRequest,
  PlanView,
  type Queue,
  QueueHistoryView,
  QueueStatsListView,
  ScheduleListView,
  type ScheduleView,
  StreamTokenView,
  type TaskProgressRequest,
  TaskProgressResponse,
  TenantUsageView,
  UploadResponse,
  WebhookDeliveryListView,
  type WebhookDeliveryView,
} from "@ai-jobs/contracts";
import type { z } from "zod";
import { type ExportFile, filenameOf } from "./export-file.js";
import { Http } from "./http.js";
import { type MaterialInput, materialForm } from "./multipart.js";
import type { ClientOptions, RequestOptions, SubmitRequestOptions } from "./options.js";
import { paginate } from "./pages.js";
import type { WatchEvent } from "./sse/events.js";
import { JobTracker } from "./sse/job-tracker.js";
import { eventStream, STREAM_PATH, type StreamOptions } from "./sse/stream.js";

/** `submitPlan`'s body: `daily_minutes` (60) and `priority` (`normal`) may be left out. */
export type GeneratePlanInput = Omit<GeneratePlanRequest, "daily_minutes" | "priority"> &
  Partial<Pick<GeneratePlanRequest, "daily_minutes" | "priority">>;

/** `submitTasks`' body: the day and the section whose tasks are drafted again. */
export type PlanTasksInput = z.output<typeof PlanTasksRequest>;
/** `submitExport`'s body: the format (`xlsx`, the default and only one). */
export type PlanExportInput = z.input<typeof PlanExportRequest>;

export type JobListFilter = Partial<Omit<JobListQuery, "cursor">>;
export type DeadLetterFilter = { queue?: Queue; limit?: number };
/** `usage`'s range: ISO 8601 times with an offset, `since` included, `until` not. */
export type UsageRange = { since?: string | undefined; until?: string | undefined };
/** What a stream token (and so `streamUrl`'s URL) opens: some jobs, or every job of the tenant. */
export type StreamScope = string | readonly string[] | { all: true };

const API = "/api/ai";
const seg = (value: string | number) => encodeURIComponent(String(value));

/**
 * A client of the ai-jobs HTTP API (docs/API.md). Every answer is checked against the API's schemas; every error
 * status is an `ApiError` carrying the problem+json fields and `Retry-After`. No state is shared between clients.
 */
export class AiJobsClient {
  private readonly http: Http;

  constructor(options: ClientOptions) {
    this.http = new Http(options);
  }

  // Submits: each answers 202 with the job id at once; follow the job with `watch` or `getJob`.

  /** `POST /study-plans/generate/`: the draft plan (`generation_status: "pending"`) with its `job_id`. */
  submitPlan(body: GeneratePlanInput, options: SubmitRequestOptions = {}): Promise<GeneratePlanResponse> {
    return this.submit("/study-plans/generate/", { json: body }, GeneratePlanResponse, options);
  }

  /** `POST /study-plans/{id}/days/{day_id}/generate/`: `plan.day.generate`, (re)drafts one day's tasks. */
  submitDayGeneration(planId: string, dayId: string, options: SubmitRequestOptions = {}): Promise<PlanJobResponse> {
    return this.submit(`/study-plans/${seg(planId)}/days/${seg(dayId)}/generate/`, {}, PlanJobResponse, options);
  }

  /** `POST /study-plans/{id}/tasks/`: `plan.tasks.generate`, (re)drafts one section's tasks. */
  submitTasks(planId: string, body: PlanTasksInput, options: SubmitRequestOptions = {}): Promise<PlanJobResponse> {
    return this.submit(`/study-plans/${seg(planId)}/tasks/`, { json: body }, PlanJobResponse, options);
  }

  /** `POST /study-plans/{id}/summary/`: `plan.summary`, a summary stored on the plan. */
  submitSummary(planId: string, options: SubmitRequestOptions = {}): Promise<PlanJobResponse> {
    return this.submit(`/study-plans/${seg(planId)}/summary/`, {}, PlanJobResponse, options);
  }

  /** `POST /study-plans/{id}/export/`: `plan.export`; its result's `export_id` is for `downloadExport`. */
  submitExport(
    planId: string,
    body: PlanExportInput = {},
    options: SubmitRequestOptions = {},
  ): Promise<PlanJobResponse> {
    return this.submit(`/study-plans/${seg(planId)}/export/`, { json: body }, PlanJobResponse, options);
  }

  /**
   * `POST /study-plans/{id}/materials/`: uploads one file (multipart) and submits its `material.ingest` job. The
   * content is a `File`/`Blob` or bytes with a `filename`; the API sniffs its kind (PDF, DOCX, HTML, Markdown, text).
   */
  async submitMaterial(
    planId: string,
    input: MaterialInput,
    options: SubmitRequestOptions = {},
  ): Promise<UploadResponse> {
    return this.submit(
      `/study-plans/${seg(planId)}/materials/`,
      { form: materialForm(input) },
      UploadResponse,
      options,
    );
  }

  // Plans

  /** `GET /study-plans/{id}/`: the plan with its days, sections and tasks. */
  getPlan(planId: string, options: RequestOptions = {}): Promise<PlanView> {
    return this.get(`/study-plans/${seg(planId)}/`, PlanView, options);
  }

  /** `POST /study-tasks/{task_id}/progress/` (synchronous, not a job): a task's status and total minutes spent. */
  recordTaskProgress(
    taskId: string,
    body: TaskProgressRequest,
    options: RequestOptions = {},
  ): Promise<TaskProgressResponse> {
    return this.http.json(
      { method: "POST", path: `${API}/study-tasks/${seg(taskId)}/progress/`, json: body, ...options },
      TaskProgressResponse,
    );
  }

  /** `GET /exports/{export_id}/`: a finished `plan.export` job's file (`export_id` is the job's id). */
  async downloadExport(exportId: string, options: RequestOptions = {}): Promise<ExportFile> {
    const res = await this.http.send({ method: "GET", path: `${API}/exports/${seg(exportId)}/`, ...options });
    return {
      filename: filenameOf(res.headers.get("content-disposition")),
      contentType: res.headers.get("content-type") ?? "application/octet-stream",
      data: await res.blob(),
    };
  }

  // Jobs

  /** `GET /jobs/{job_id}/` */
  getJob(jobId: string, options: RequestOptions = {}): Promise<JobView> {
    return this.get(`/jobs/${seg(jobId)}/`, JobView, options);
  }

  /** Every job of the tenant matching the filter, newest first, one page (`limit`, default 50) fetched at a time. */
  listJobs(filter: JobListFilter = {}, options: RequestOptions = {}): AsyncGenerator<JobView> {
    return paginate((cursor) => this.listJobsPage({ ...filter, cursor }, options));
  }

  /** `GET /jobs/?status=&type=&limit=&cursor=`: one page; pass `next_cursor` as `cursor` for the next. */
  listJobsPage(query: JobListFilter & { cursor?: string | undefined } = {}, options: RequestOptions = {}) {
    return this.get("/jobs/", JobListView, options, query);
  }

  /** `DELETE /jobs/{job_id}/`: cancels a queued or running job (a running one stops within about a second). */
  cancel(jobId: string, options: RequestOptions = {}): Promise<JobView> {
    return this.http.json({ method: "DELETE", path: `${API}/jobs/${seg(jobId)}/`, ...options }, JobView);
  }

  /** `POST /jobs/{job_id}/retry/`: runs a failed or cancelled job again, with a fresh attempt budget. */
  retry(jobId: string, options: RequestOptions = {}): Promise<JobView> {
    return this.http.json({ method: "POST", path: `${API}/jobs/${seg(jobId)}/retry/`, ...options }, JobView);
  }

  /** `GET /jobs/{job_id}/events/`: the job's stored history, oldest first. */
  async events(jobId: string, options: RequestOptions = {}): Promise<JobEventView[]> {
    return (await this.get(`/jobs/${seg(jobId)}/events/`, JobEventListView, options)).items;
  }

  /** `GET /jobs/{job_id}/usage/`: the job's LLM usage per attempt (model, calls, tokens, latency) and the totals. */
  jobUsage(jobId: string, options: RequestOptions = {}): Promise<JobUsageView> {
    return this.get(`/jobs/${seg(jobId)}/usage/`, JobUsageView, options);
  }

  /** `GET /jobs/{job_id}/webhooks/`: the job's webhook deliveries, each with every attempt. */
  async webhookDeliveries(jobId: string, options: RequestOptions = {}): Promise<WebhookDeliveryView[]> {
    return (await this.get(`/jobs/${seg(jobId)}/webhooks/`, WebhookDeliveryListView, options)).items;
  }

  // The caller and its tenant

  /** `GET /me/`: who the credential is (tenant, user, role) and the gateway's trace UI (`trace_ui_url`). */
  me(options: RequestOptions = {}): Promise<MeView> {
    return this.get("/me/", MeView, options);
  }

  /** `GET /usage/?since=&until=`: the tenant's LLM usage, by model, by job type and by UTC day and model. */
  usage(range: UsageRange = {}, options: RequestOptions = {}): Promise<TenantUsageView> {
    return this.get("/usage/", TenantUsageView, options, { since: range.since, until: range.until });
  }

  /** `GET /schedules/`: the cron schedules that submit the tenant's jobs (an admin's: all), with their next fire. */
  async schedules(options: RequestOptions = {}): Promise<ScheduleView[]> {
    return (await this.get("/schedules/", ScheduleListView, options)).items;
  }

  // Operators (the admin role)

  /** `GET /queues/history/`: the queue figures sampled over the last hour, oldest first. */
  queueHistory(options: RequestOptions = {}): Promise<QueueHistoryView> {
    return this.get("/queues/history/", QueueHistoryView, options);
  }

  /** `GET /queues/`: backlog, in flight, workers and throughput per queue and priority. */
  queues(options: RequestOptions = {}): Promise<QueueStatsListView> {
    return this.get("/queues/", QueueStatsListView, options);
  }

  /** Every dead letter of the tenant, newest first, a page at a time. */
  deadLetters(filter: DeadLetterFilter = {}, options: RequestOptions = {}): AsyncGenerator<DeadLetterView> {
    return paginate((cursor) => this.deadLettersPage({ ...filter, cursor }, options));
  }

  /** `GET /admin/dead-letters/?queue=&limit=&cursor=`: one page. */
  deadLettersPage(query: DeadLetterFilter & { cursor?: string | undefined } = {}, options: RequestOptions = {}) {
    return this.get("/admin/dead-letters/", DeadLetterListView, options, query);
  }

  /** `POST /admin/dead-letters/{seq}/replay/`: retries the dead letter's job. */
  replay(seq: number | string, options: RequestOptions = {}): Promise<JobView> {
    return this.http.json(
      { method: "POST", path: `${API}/admin/dead-letters/${seg(seq)}/replay/`, ...options },
      JobView,
    );
  }

  // Streams

  /**
   * The typed events of one or more jobs (`meta`, `progress`, `result`, `error`), live, after their history. It
   * reconnects by itself with `Last-Event-ID` and delivers every event once, in order; it ends once every job has
   * reached its terminal status (a `meta` after that job's `result` or `error`) and the server closed the stream.
   * Abort `signal` to stop early.
   */
  watch(jobIds: string | readonly string[], options: StreamOptions = {}): AsyncGenerator<WatchEvent, void, undefined> {
    const ids = [...new Set(typeof jobIds === "string" ? [jobIds] : jobIds)];
    return eventStream(this.http, { job_id: ids }, new JobTracker(ids), options);
  }

  /** Every job event of the tenant as it happens (`?all=1`), resuming like `watch`; it ends only when aborted. */
  tail(options: StreamOptions = {}): AsyncGenerator<WatchEvent, void, undefined> {
    return eventStream(this.http, { all: "1" }, undefined, options);
  }

  /** `POST /jobs/stream-token/`: a short-lived token that opens the SSE stream of these jobs (or of all) only. */
  streamToken(scope: StreamScope, options: RequestOptions = {}): Promise<StreamTokenView> {
    const body = isAll(scope) ? { all: true } : { job_ids: typeof scope === "string" ? [scope] : [...scope] };
    return this.http.json(
      { method: "POST", path: `${API}/jobs/stream-token/`, json: body, ...options },
      StreamTokenView,
    );
  }

  /**
   * For browsers: the stream's URL with a fresh stream token (`?token=`), for a native `EventSource`, which cannot
   * send an Authorization header. Mind that an EventSource's own `error` event (a connection problem) shares its
   * name with the API's `error` event (a job's failure): listen with `addEventListener("error")` and tell them
   * apart by `event.data` (only the job failure has data). The token expires after a few minutes.
   */
  async streamUrl(scope: StreamScope, options: RequestOptions = {}): Promise<string> {
    const { token } = await this.streamToken(scope, options);
    const query = isAll(scope) ? { all: "1", token } : { job_id: typeof scope === "string" ? [scope] : scope, token };
    return this.http.url(STREAM_PATH, query);
  }

  private get<T>(
    path: string,
    schema: z.ZodType<T>,
    options: RequestOptions,
    query: Record<string, string | number | undefined> = {},
  ): Promise<T> {
    return this.http.json({ method: "GET", path: `${API}${path}`, query, ...options }, schema);
  }

  private submit<T>(
    path: string,
    body: { json?: unknown; form?: FormData },
    schema: z.ZodType<T>,
    { idempotencyKey, ...options }: SubmitRequestOptions,
  ): Promise<T> {
    const headers = idempotencyKey === undefined ? undefined : { "idempotency-key": idempotencyKey };
    return this.http.json(
      { method: "POST", path: `${API}${path}`, ...body, ...(headers ? { headers } : {}), ...options },
      schema,
    );
  }
}

const isAll = (scope: StreamScope): scope is { all: true } => typeof scope === "object" && "all" in scope;
