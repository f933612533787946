import {
  HEADERS,
  JOB_TYPES,
  JobCommand,
  type JobRecord,
  type JobType,
  type PayloadOf,
  type Priority,
  SUBJECTS,
} from "@ai-jobs/contracts";
import { activeTraceId, type JobEventPublisher, type Messaging } from "@ai-jobs/runtime";
import { JetStreamApiError } from "@nats-io/jetstream";
import type { JobRepository } from "../data/jobs.js";
import type { Caller } from "./context.js";
import { serviceUnavailable } from "./errors.js";

export interface SubmitJobDeps {
  jobs: JobRepository;
  messaging: Messaging;
  events: JobEventPublisher;
}

/** The domain record a job works on (a draft plan, a pending document), written before the job record. */
export interface JobDraft {
  write(): Promise<void>;
  /** Takes the draft back when the job is refused, so a rejected request leaves nothing behind. */
  undo(): Promise<void>;
}

export interface SubmitJobRequest<T extends JobType> {
  /** Minted by the caller, so the draft can point at its job before the job exists. */
  jobId: string;
  type: T;
  priority: Priority;
  payload: PayloadOf<T>;
  draft?: JobDraft;
}

export interface SubmittedJob {
  job: JobRecord;
  /** False when the command could not be published yet: the reconciler publishes it later. */
  dispatched: boolean;
}

/** Seconds a client should wait before submitting again to a full queue. */
const QUEUE_FULL_RETRY_AFTER_S = 5;

/**
 * What happens when a job is submitted, for every job type:
 *
 * 1. The payload is checked against the job type's schema (a failure here is a bug in the caller, not bad input).
 * 2. The draft, then the job record (`queued`, `dispatchedAt: null`) are written to MongoDB. From here on the job
 *    is durable: a 202 may be sent.
 * 3. The `queued` event is published first, so it always precedes the worker's `started` in JOB_EVENTS (and in
 *    every SSE stream). If NATS cannot be reached, the job stays accepted with `dispatchedAt: null` and the
 *    reconciler publishes it; the command publish is skipped rather than waiting out a second timeout.
 * 4. The command is published on `jobs.<queue>.<priority>.<tenant>` with `Nats-Msg-Id = jobId`.
 *    - If JetStream refuses it (the bounded queue is full), the job was never accepted: the record and the draft
 *      are removed and the caller gets a 503. The orphan `queued` event matches no job record and is ignored.
 *    - If NATS cannot be reached, as in 3.
 * 5. `dispatchedAt` is set. Failing that changes nothing: the command is in JetStream, and a repeated publish by
 *    the reconciler is dropped as a duplicate.
 */
export async function submitJob<T extends JobType>(
  deps: SubmitJobDeps,
  caller: Caller,
  req: SubmitJobRequest<T>,
): Promise<SubmittedJob> {
  const { principal, log } = caller;
  const spec = JOB_TYPES[req.type];
  const payload = parsePayload(req.type, req.payload);
  const now = new Date();
  const job: JobRecord = {
    _id: req.jobId,
    tenantId: principal.tenantId,
    userId: principal.userId,
    type: req.type,
    queue: spec.queue,
    priority: req.priority,
    status: "queued",
    progress: { pct: 0 },
    attempt: 0,
    maxAttempts: spec.maxAttempts,
    payload,
    resultRefs: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    dispatchedAt: null,
    traceId: activeTraceId(),
    seq: 0,
  };

  await req.draft?.write();
  try {
    await deps.jobs.insert(job);
  } catch (err) {
    await undoDraft(req.draft, caller, job);
    throw err;
  }

  const command: JobCommand = JobCommand.parse({
    jobId: job._id,
    tenantId: job.tenantId,
    userId: job.userId,
    type: job.type,
    queue: job.queue,
    priority: job.priority,
    payload: job.payload,
    createdAt: job.createdAt.toISOString(),
  });
  try {
    await deps.events.publish({
      kind: "queued",
      jobId: job._id,
      tenantId: job.tenantId,
      type: job.type,
      attempt: 0,
      at: now.toISOString(),
      data: {},
    });
  } catch (err) {
    if (!(err instanceof JetStreamApiError)) {
      log.warn({ err, jobId: job._id }, "NATS unreachable; the reconciler will publish the job");
      return { job, dispatched: false };
    }
    log.warn({ err, jobId: job._id }, "could not publish the queued event");
  }
  try {
    await deps.messaging.publish(SUBJECTS.job(job.queue, job.priority, job.tenantId), command, {
      msgId: job._id,
      headers: { [HEADERS.jobType]: job.type },
      attributes: { "job.id": job._id, "job.type": job.type, "job.queue": job.queue, "job.priority": job.priority },
    });
  } catch (err) {
    if (err instanceof JetStreamApiError) {
      // The server answered and said no (a full queue refuses new work): the job was never accepted.
      log.warn({ err, jobId: job._id, queue: job.queue }, "JetStream refused the job command; rolling back");
      await deps.jobs.remove(job.tenantId, job._id).catch((e: unknown) => {
        log.error({ err: e, jobId: job._id }, "could not remove a refused job record");
      });
      await undoDraft(req.draft, caller, job);
      throw serviceUnavailable(`the ${job.queue} queue is full; try again later`, QUEUE_FULL_RETRY_AFTER_S, err);
    }
    log.warn({ err, jobId: job._id }, "job command not published; the reconciler will publish it");
    return { job, dispatched: false };
  }

  const dispatchedAt = new Date();
  await deps.jobs.markDispatched(job.tenantId, job._id, dispatchedAt).catch((err: unknown) => {
    log.warn({ err, jobId: job._id }, "could not record dispatchedAt; the reconciler may publish a duplicate");
  });
  return { job: { ...job, dispatchedAt }, dispatched: true };
}

function parsePayload<T extends JobType>(type: T, payload: PayloadOf<T>): Record<string, unknown> {
  const result = JOB_TYPES[type].payload.safeParse(payload);
  if (!result.success) throw new Error(`invalid ${type} payload built by the gateway: ${result.error.message}`);
  return result.data as Record<string, unknown>;
}

async function undoDraft(draft: JobDraft | undefined, caller: Caller, job: JobRecord): Promise<void> {
  await draft?.undo().catch((err: unknown) => {
    caller.log.error({ err, jobId: job._id }, "could not undo the draft of a refused job");
  });
}
