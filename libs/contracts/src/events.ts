import { z } from "zod";
import { JobError, type JobStatus } from "./job.js";
import { Priority, Queue, TenantId } from "./queues.js";

export const EVENT_KINDS = [
  "queued",
  "started",
  "progress",
  "log",
  "retrying",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export const EventKind = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof EventKind>;

const base = {
  jobId: z.string().min(1),
  tenantId: TenantId,
  /** The job type, so consumers can route without reading the job record. */
  type: z.string().min(1),
  attempt: z.number().int().min(0),
  at: z.string().datetime(),
};

export const ProgressData = z.object({
  pct: z.number().min(0).max(100).optional(),
  step: z.string().optional(),
  message: z.string(),
  /**
   * Content drafted so far (a plan generation's days and tasks as they are written), passed through to SSE
   * clients with the progress message so a UI can render the plan while it is generated. Not projected.
   */
  partial: z.record(z.string(), z.unknown()).optional(),
});
export type ProgressData = z.infer<typeof ProgressData>;

/**
 * What a job is, as its `queued` event announces it: everything its record is built from. JetStream is the job's
 * state of record, so the MongoDB record can be projected from this event alone (see docs/ARCHITECTURE.md).
 */
export const QueuedJobSpec = z.object({
  userId: z.string().min(1),
  queue: Queue,
  priority: Priority,
  payload: z.record(z.string(), z.unknown()),
  maxAttempts: z.number().int().min(1),
  createdAt: z.string().datetime(),
  traceId: z.string().nullable(),
  webhookUrl: z.string().url().nullable(),
  idempotencyKey: z.string().nullable(),
});
export type QueuedJobSpec = z.infer<typeof QueuedJobSpec>;

/** A job event, published on `events.<tenant>.<jobId>.<kind>`. Its JOB_EVENTS sequence is its id. */
export const JobEvent = z.discriminatedUnion("kind", [
  z.object({
    ...base,
    kind: z.literal("queued"),
    data: z.object({
      runAt: z.string().datetime().optional(),
      /** Set on an explicit retry: the n-th retry reopens a failed or cancelled job. */
      retry: z.number().int().min(1).optional(),
      /** The job itself; every dispatch carries it, so the event alone can create the job's record. */
      job: QueuedJobSpec.optional(),
    }),
  }),
  z.object({ ...base, kind: z.literal("started"), data: z.object({ worker: z.string().optional() }) }),
  z.object({ ...base, kind: z.literal("progress"), data: ProgressData }),
  z.object({
    ...base,
    kind: z.literal("log"),
    data: z.object({ level: z.enum(["info", "warn", "error"]), message: z.string() }),
  }),
  z.object({
    ...base,
    kind: z.literal("retrying"),
    data: z.object({ error: JobError, nextAttemptAt: z.string().datetime() }),
  }),
  z.object({ ...base, kind: z.literal("succeeded"), data: z.object({ result: z.record(z.string(), z.unknown()) }) }),
  z.object({ ...base, kind: z.literal("failed"), data: z.object({ error: JobError }) }),
  z.object({ ...base, kind: z.literal("cancelled"), data: z.object({ reason: z.string().optional() }) }),
]);
export type JobEvent = z.infer<typeof JobEvent>;
export type JobEventOf<K extends EventKind> = Extract<JobEvent, { kind: K }>;

/** The job status an event moves the job to, or undefined when it does not change the status. */
export function statusAfter(kind: EventKind): JobStatus | undefined {
  switch (kind) {
    case "queued":
      return "queued";
    case "started":
      return "running";
    case "retrying":
      return "retrying";
    case "succeeded":
      return "succeeded";
    case "failed":
      return "failed";
    case "cancelled":
      return "cancelled";
    case "progress":
    case "log":
      return undefined;
  }
}
