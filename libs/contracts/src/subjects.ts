import type { Priority, Queue } from "./queues.js";

export const STREAMS = {
  jobs: "JOBS",
  events: "JOB_EVENTS",
  deadLetters: "JOBS_DLQ",
} as const;

export const BUCKETS = {
  control: "JOB_CONTROL",
  workers: "WORKERS",
  materials: "MATERIALS",
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
} as const;

/** Durable consumer names. Shared by every replica of a service. */
export const CONSUMERS = {
  worker: (queue: Queue, priority: Priority) => `worker_${queue}_${priority}`,
  projector: "events_projector",
} as const;

/** Header names used on our messages, beside the W3C `traceparent`/`tracestate`. */
export const HEADERS = {
  msgId: "Nats-Msg-Id",
  jobType: "Job-Type",
  error: "Job-Error",
  errorCode: "Job-Error-Code",
  attempts: "Job-Attempts",
  originalSubject: "Job-Original-Subject",
} as const;

/** Parses `events.<tenant>.<jobId>.<kind>`; returns undefined for anything else. */
export function parseEventSubject(subject: string): { tenantId: string; jobId: string; kind: string } | undefined {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "events") return undefined;
  const [, tenantId, jobId, kind] = parts as [string, string, string, string];
  return { tenantId, jobId, kind };
}
