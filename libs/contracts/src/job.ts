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

/**
 * The job record in MongoDB `jobs`: a projection of the job's events in JOB_EVENTS (the state of record), written
 * only by the events projector. Readers overlay the events the projector has not applied yet (`foldJobEvents`).
 */
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
  /** When the job was announced (its `queued` event): JetStream holds it from then on. */
  dispatchedAt: z.date().nullable(),
  traceId: z.string().nullable(),
  parentId: z.string().nullable().optional(),
  webhook: z.object({ url: z.string().url() }).nullable().optional(),
  idempotencyKey: z.string().nullable().optional(),
  /** A delayed or ETA job: not dispatched to its queue before this time. */
  runAt: z.date().nullable().optional(),
  /** Explicit retries (`POST /jobs/{id}/retry/`) so far; each reopens a failed or cancelled job. */
  retries: z.number().int().min(0).optional(),
  /** Sequence of the last JOB_EVENTS message applied; guards the projection against replays. */
  seq: z.number().int().min(0),
  /**
   * Sequences of the last status-changing and progress events applied. Events can be applied out of stream order
   * (a redelivery after a projector failover, a reader's overlay), so a later progress event may land before an
   * earlier `started`; separate guards keep either from dropping the other.
   */
  statusSeq: z.number().int().min(0).optional(),
  progressSeq: z.number().int().min(0).optional(),
  /** Sequence of the explicit retry that started the current run: events of earlier runs no longer apply. */
  runSeq: z.number().int().min(0).optional(),
  /**
   * Bumped by every projector write, which replaces the record only if `rev` is still what it read: two projectors
   * overlapping for a moment (a failover) cannot overwrite each other (atomic on MongoDB).
   */
  rev: z.number().int().min(0).optional(),
});
export type JobRecord = z.infer<typeof JobRecord>;
