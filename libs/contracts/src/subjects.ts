import type { Priority, Queue } from "./queues.js";

export const STREAMS = {
  jobs: "JOBS",
  events: "JOB_EVENTS",
  deadLetters: "JOBS_DLQ",
  /** Delayed and ETA jobs: NATS message schedules, which cannot live in the discard-new JOBS stream. */
  delayed: "JOBS_DELAYED",
  /** Captured JetStream advisories: a JOBS consumer that hit max_deliver (a worker that died on every attempt). */
  advisories: "JOBS_ADVISORIES",
  /** The gateway's request-rate counters, shared by every replica (a counter stream, in memory). */
  rateLimits: "RATE_LIMITS",
  /** Tokens each tenant's LLM calls spent per UTC day (a counter stream), for the daily token budgets. */
  tenantUsage: "TENANT_USAGE",
  /** Bytes each tenant stores in MATERIALS and EXPORTS (a counter stream, kept), for the byte quotas. */
  tenantStorage: "TENANT_STORAGE",
} as const;

/** The object stores a tenant's byte quota applies to. */
export const STORAGE_KINDS = ["materials", "exports"] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

export const BUCKETS = {
  control: "JOB_CONTROL",
  workers: "WORKERS",
  materials: "MATERIALS",
  /** Plan exports (`.xlsx`), keyed by the export job's id. */
  exports: "EXPORTS",
} as const;

export const SUBJECTS = {
  /** `jobs.<queue>.<priority>.<tenant>` */
  job: (queue: Queue, priority: Priority, tenantId: string) => `jobs.${queue}.${priority}.${tenantId}`,
  /** Everything one (queue, priority) consumer reads. */
  jobFilter: (queue: Queue, priority: Priority) => `jobs.${queue}.${priority}.>`,
  jobsAll: "jobs.>",
  /** `events.<tenant>.<jobId>.<kind>` */
  event: (tenantId: string, jobId: string, kind: string) => `events.${tenantId}.${jobId}.${kind}`,
  eventsOfJob: (tenantId: string, jobId: string) => `events.${tenantId}.${jobId}.>`,
  eventsOfTenant: (tenantId: string) => `events.${tenantId}.>`,
  eventsAll: "events.>",
  deadLetter: (queue: Queue) => `dlq.${queue}`,
  deadLettersAll: "dlq.>",
  /** Holds a delayed job's schedule (`Nats-Schedule: @at …`) until it fires into `delayedDue`. */
  delayedSchedule: (jobId: string) => `delayed.sched.${jobId}`,
  /** Where a schedule fires; the forwarder in events moves it into `jobs.<queue>.<priority>.<tenant>`. */
  delayedDue: (queue: Queue, priority: Priority, tenantId: string) => `delayed.due.${queue}.${priority}.${tenantId}`,
  delayedAll: "delayed.>",
  delayedDueAll: "delayed.due.>",
  /** JetStream's advisory when a consumer of JOBS exhausts max_deliver on a message. */
  maxDeliveriesAdvisories: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.JOBS.>`,
  /** `ratelimit.<key>.<window>`: one counter per rate-limit key (subject-safe) and fixed time window. */
  rateCounter: (key: string, window: number) => `ratelimit.${key}.${window}`,
  rateCountersAll: "ratelimit.>",
  /** `usage.tokens.<tenant>.<yyyymmdd>`: the tokens a tenant's LLM calls spent on one UTC day. */
  tokensSpent: (tenantId: string, day: string) => `usage.tokens.${tenantId}.${day}`,
  tenantUsageAll: "usage.>",
  /** `storage.<tenant>.<kind>`: the bytes a tenant stores in one object store. */
  bytesStored: (tenantId: string, kind: StorageKind) => `storage.${tenantId}.${kind}`,
  tenantStorageAll: "storage.>",
} as const;

/** Keys of the JOB_CONTROL bucket. */
export const CONTROL_KEYS = {
  cancel: (jobId: string) => `cancel.${jobId}`,
  cancelAll: "cancel.>",
} as const;

/** Durable consumer names. Shared by every replica of a service. */
export const CONSUMERS = {
  worker: (queue: Queue, priority: Priority) => `worker_${queue}_${priority}`,
  projector: "events_projector",
  delayedForwarder: "events_delayed_forwarder",
  advisories: "events_max_deliveries",
  deadLetterIndexer: "events_dead_letter_indexer",
} as const;

/** Header names used on our messages, beside the W3C `traceparent`/`tracestate`. */
export const HEADERS = {
  msgId: "Nats-Msg-Id",
  jobType: "Job-Type",
  error: "Job-Error",
  errorCode: "Job-Error-Code",
  attempts: "Job-Attempts",
  originalSubject: "Job-Original-Subject",
  schedule: "Nats-Schedule",
  scheduleTarget: "Nats-Schedule-Target",
} as const;

/** Parses `events.<tenant>.<jobId>.<kind>`; returns undefined for anything else. */
export function parseEventSubject(subject: string): { tenantId: string; jobId: string; kind: string } | undefined {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "events") return undefined;
  const [, tenantId, jobId, kind] = parts as [string, string, string, string];
  return { tenantId, jobId, kind };
}
