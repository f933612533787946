import type { QueuedJobSpec } from "./events.js";
import type { JobRecord } from "./job.js";
import { JOB_TYPES, type JobType } from "./job-types/index.js";
import type { Priority } from "./queues.js";

export interface NewJob {
  jobId: string;
  tenantId: string;
  userId: string;
  type: JobType;
  priority: Priority;
  /** Already validated against the job type's payload schema. */
  payload: Record<string, unknown>;
  now: Date;
  traceId?: string | null;
  idempotencyKey?: string | null;
  runAt?: Date | null;
  webhookUrl?: string | null;
}

/** A job record as it is first known (`queued`, nothing applied yet): the one shape every creator starts from. */
export function newJobRecord(j: NewJob): JobRecord {
  const spec = JOB_TYPES[j.type];
  return {
    _id: j.jobId,
    tenantId: j.tenantId,
    userId: j.userId,
    type: j.type,
    queue: spec.queue,
    priority: j.priority,
    status: "queued",
    progress: { pct: 0 },
    attempt: 0,
    maxAttempts: spec.maxAttempts,
    payload: j.payload,
    resultRefs: null,
    lastError: null,
    createdAt: j.now,
    updatedAt: j.now,
    startedAt: null,
    finishedAt: null,
    dispatchedAt: null,
    traceId: j.traceId ?? null,
    idempotencyKey: j.idempotencyKey ?? null,
    runAt: j.runAt ?? null,
    retries: 0,
    webhook: j.webhookUrl ? { url: j.webhookUrl } : null,
    seq: 0,
  };
}

/** What the `queued` event announces of a record (everything but its tenant, id, type and state). */
export function queuedSpecOf(record: QueuedRecord): QueuedJobSpec {
  return {
    userId: record.userId,
    queue: record.queue,
    priority: record.priority,
    payload: record.payload,
    maxAttempts: record.maxAttempts,
    createdAt: record.createdAt.toISOString(),
    traceId: record.traceId ?? null,
    webhookUrl: record.webhook?.url ?? null,
    idempotencyKey: record.idempotencyKey ?? null,
  };
}

/** The fields of a record that its `queued` event carries. */
export type QueuedRecord = Pick<
  JobRecord,
  "userId" | "queue" | "priority" | "payload" | "maxAttempts" | "createdAt" | "traceId" | "webhook" | "idempotencyKey"
>;
