// The public surface of @ai-jobs/contracts: the schemas and pure functions the other packages use.
// A name is exported here on purpose (no `export *`), so the surface grows only by a deliberate line.
export { JobCommand } from "./commands.js";
export {
  commandOf,
  type DispatchRecord,
  dispatchIdsOf,
  jobSubjectOfDue,
  queuedEventOf,
  scheduleAt,
  scheduleOf,
  wholeSecondAtOrAfter,
} from "./dispatch.js";
export {
  ChunkRecord,
  DocumentRecord,
  IngestStatus,
  PlanCompletion,
  PlanSummary,
  StudyDay,
  StudyPlan,
  StudyTask,
  TASK_KINDS,
  TaskKind,
  TaskStatus,
} from "./domain.js";
export { ERROR_CODES, type ErrorCode } from "./errors.js";
export { EVENT_KINDS, EventKind, JobEvent, type JobEventOf, ProgressData, statusAfter } from "./events.js";
export {
  DayView,
  DeadLetterListView,
  DeadLetterView,
  GeneratePlanRequest,
  GeneratePlanResponse,
  HealthView,
  JobEventListView,
  JobEventView,
  JobListQuery,
  JobListView,
  JobView,
  MAX_STREAM_JOBS,
  PlanView,
  Problem,
  runAtOf,
  SectionView,
  StreamOptions,
  StreamQuery,
  StreamTokenView,
  TaskView,
  UploadFields,
  UploadResponse,
  WebhookDeliveryListView,
  WebhookDeliveryView,
} from "./http.js";
export { isTerminal, JOB_STATUSES, JobError, JobRecord, JobStatus } from "./job.js";
export { foldJobEvents, type SequencedEvent } from "./job-fold.js";
export {
  type BackoffPolicy,
  isJobType,
  JOB_TYPE_NAMES,
  JOB_TYPES,
  type JobType,
  type JobTypeSpec,
  MaterialIngestPayload,
  type PayloadOf,
  PLAN_SUMMARY,
  type PlanBrief,
  PlanGeneratePayload,
  planBriefOf,
  type ResultOf,
} from "./job-types/index.js";
export { newJobRecord, type QueuedRecord } from "./new-job.js";
export {
  ContextChunk,
  JobUsageView,
  LLM_USAGE_COLLECTION,
  LlmUsageRecord,
  PlanExportRequest,
  PlanJobResponse,
  PlanTasksRequest,
  TaskProgressRequest,
  TaskProgressResponse,
  TenantUsageQuery,
  TenantUsageView,
  UsageTotalsView,
} from "./planner.js";
export { CODE_OF_STATUS, type FieldError, problem, validationProblem } from "./problems.js";
export { completionOf, dayStatusOf } from "./progress.js";
export {
  QUEUE_HISTORY_WINDOW_MS,
  QUEUE_SAMPLES_COLLECTION,
  QueueHistoryView,
  type QueueSampleRecord,
} from "./queue-history.js";
export { PRIORITIES, Priority, QUEUES, Queue, TENANT_ID_PATTERN } from "./queues.js";
export { DocumentKind, DocumentSummary, MEDIA_TYPE_OF_KIND, SearchQuery, SearchResponse } from "./retrieval.js";
export {
  QueueStatsListView,
  RETENTION_SCHEDULE,
  SCHEDULE_COLLECTIONS,
  ScheduleConfig,
  ScheduleListView,
  type ScheduleStateRecord,
  SchedulesConfig,
  ScheduleView,
} from "./schedules.js";
export { MeView } from "./session.js";
export {
  formatSse,
  SseErrorMessage,
  type SseMessage,
  SseMessageSchema,
  SseMetaMessage,
  SseProgressMessage,
  SseResultMessage,
  toSseMessages,
} from "./sse.js";
export {
  BUCKETS,
  CONSUMERS,
  CONTROL_KEYS,
  HEADERS,
  parseEventSubject,
  STREAMS,
  type StorageKind,
  SUBJECTS,
} from "./subjects.js";
export { failureReasonOfStatus, failureReasonOfStored, WebhookFailureReason } from "./webhook-failure.js";
