export type {
  DeadLetterListView,
  DeadLetterView,
  GeneratePlanResponse,
  JobEventView,
  JobListView,
  JobStatus,
  JobUsageView,
  JobView,
  MeView,
  PlanJobResponse,
  PlanView,
  Priority,
  Queue,
  QueueHistoryView,
  QueueStatsListView,
  ScheduleView,
  StreamTokenView,
  TaskProgressResponse,
  TenantUsageView,
  UploadResponse,
  WebhookDeliveryView,
} from "@ai-jobs/contracts";
export {
  AiJobsClient,
  type DeadLetterFilter,
  type GeneratePlanInput,
  type JobListFilter,
  type PlanExportInput,
  type PlanTasksInput,
  type StreamScope,
  type UsageRange,
} from "./client.js";
export {
  AiJobsError,
  ApiError,
  type ApiErrorFields,
  ConnectionError,
  type FieldError,
  ResponseError,
} from "./errors.js";
export type { ExportFile } from "./export-file.js";
export type { FileContent, MaterialInput } from "./multipart.js";
export type {
  ClientOptions,
  FetchLike,
  RequestOptions,
  RetryOptions,
  SubmitRequestOptions,
  TokenSource,
} from "./options.js";
export type { Page } from "./pages.js";
export type { JobErrorEvent, MetaEvent, ProgressEvent, ResultEvent, WatchEvent } from "./sse/events.js";
export { type SseItem, type SseMessage, SseParser } from "./sse/parser.js";
export type { ReconnectOptions, StreamOptions } from "./sse/stream.js";
