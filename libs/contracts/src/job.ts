import { z } from "zod";
import { Priority, Queue, TenantId } from "./queues.js";

export const JOB_STATUSES = ["queued", "running", "retrying", "succeeded", "failed", "cancelled"] as const;
export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "cancelled"]);
export const isTerminal = (status: JobStatus): boolean => TERMINAL_STATUSES.has(status);

export const JobError = z.object({ code: z.string(), message: z.string() });
export type JobError = z.infer<typeof JobError>;

export const JobProgress = z.object({
  pct: z.number().min(0).max(100),
  step: z.string().optional(),
  message: z.string().optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

/** The job record in MongoDB `jobs`. Written by the gateway at creation, then only by the events projector. */
export const JobRecord = z.object({
  _id: z.string(),
  tenantId: TenantId,
  userId: z.string(),
  type: z.string(),
  queue: Queue,
  priority: Priority,
  status: JobStatus,
  progress: JobProgress,
  attempt: z.number().int().min(0),
  maxAttempts: z.number().int().min(1),
  payload: z.record(z.string(), z.unknown()),
  resultRefs: z.record(z.string(), z.unknown()).nullable(),
  lastError: JobError.nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  /** Set once the command is in JetStream; the reconciler republishes records where it stays null. */
  dispatchedAt: z.date().nullable(),
  traceId: z.string().nullable(),
  parentId: z.string().nullable().optional(),
  webhook: z.object({ url: z.string().url() }).nullable().optional(),
  idempotencyKey: z.string().nullable().optional(),
  /** A delayed or ETA job: not dispatched to its queue before this time. */
  runAt: z.date().nullable().optional(),
  /** Explicit retries (`POST /jobs/{id}/retry/`) so far; each reopens a failed or cancelled job. */
  retries: z.number().int().min(0).optional(),
  /**
   * An explicit retry asked for but not yet projected (`n` = the retry number, `ofSeq` = the record's seq then):
   * it refuses a second concurrent retry of the same job. It lapses after two minutes.
   */
  retryRequest: z
    .object({ n: z.number().int().min(1), at: z.date(), ofSeq: z.number().int().min(0) })
    .nullable()
    .optional(),
  /** Set when a cancellation was requested; the `cancelled` event makes it final. */
  cancelRequestedAt: z.date().nullable().optional(),
  /** Sequence of the last JOB_EVENTS message applied; guards the projection against replays. */
  seq: z.number().int().min(0),
  /**
   * Sequences of the last status-changing and progress events applied. Several projector replicas write batches
   * concurrently, so a later progress event may land before an earlier `started`; separate guards keep either
   * from dropping the other.
   */
  statusSeq: z.number().int().min(0).optional(),
  progressSeq: z.number().int().min(0).optional(),
});
export type JobRecord = z.infer<typeof JobRecord>;
