import { isTerminal, type JobStatus } from "@ai-jobs/contracts";
import {
  type AcceptDeps,
  acceptJob,
  type Cancellation,
  conflict,
  type JobReader,
  notFound,
  serviceUnavailable,
} from "@ai-jobs/runtime";
import { JetStreamApiError } from "@nats-io/jetstream";
import type { DeadLetterRepository } from "../data/dead-letters.js";
import type { StoredJob } from "../data/jobs.js";
import type { ScheduleStore } from "../data/schedules.js";
import { assertMayActOn } from "./access.js";
import type { Caller } from "./context.js";

export interface JobControlDeps extends Omit<AcceptDeps, "log"> {
  reader: JobReader;
  cancellation: Pick<Cancellation, "request" | "clear">;
  schedules: ScheduleStore;
  deadLetters: DeadLetterRepository;
}

const RETRYABLE: ReadonlySet<JobStatus> = new Set(["failed", "cancelled"]);
/** Seconds to wait before asking again while NATS is unreachable. */
const NATS_RETRY_AFTER_S = 2;
export const CANCEL_REASON = "cancelled by request";
const RETRY_UNDER_WAY = "a retry of this job is already under way";

const natsDown = (what: string, cause?: unknown) =>
  serviceUnavailable(
    `the job cannot be ${what} while the message broker is unreachable; retry shortly`,
    NATS_RETRY_AFTER_S,
    cause,
  );

/**
 * `DELETE /jobs/{id}/`: asks for a job to be cancelled. The answer is the job as the request leaves it. Nothing
 * writes the job record here: the request is the durable flag, and the outcome is a `cancelled` event.
 *
 * 1. An unknown job (or another tenant's) is a 404; a finished one (succeeded, failed, cancelled) a 409. Without
 *    NATS the flag cannot be stored: 503.
 * 2. The durable flag `cancel.<jobId>` goes into JOB_CONTROL: a worker checks it before it starts the job, and
 *    aborts the job through its AbortSignal when the flag appears while it runs.
 * 3. A delayed job's pending schedule is removed, so it never reaches its queue (the flag's 7-day TTL is shorter
 *    than the longest delay).
 * 4. A job that is not running (queued, delayed, retrying) is cancelled at once: the `cancelled` event is published
 *    here. A running job is cancelled by its worker, which publishes `cancelled` itself once the handler stopped.
 *    (A job that starts between the read and this event is cancelled either way: its worker sees the flag.)
 *
 * Asking again before the cancellation is final repeats the same steps, and the repeated event is dropped as a
 * duplicate, so DELETE can be retried safely.
 */
export async function cancelJob(deps: JobControlDeps, caller: Caller, jobId: string): Promise<StoredJob> {
  const { principal, log } = caller;
  const job = await deps.reader.find(principal.tenantId, jobId);
  if (!job) throw notFound("job");
  assertMayActOn(principal, job.userId, "job");
  if (isTerminal(job.status)) throw finishedAlready(job.status);
  if (!deps.nats.connected()) throw natsDown("cancelled");

  const now = new Date();
  try {
    await deps.cancellation.request(jobId, { tenantId: principal.tenantId, requestedBy: principal.userId });
  } catch (err) {
    throw natsDown("cancelled", err);
  }
  if (job.runAt) {
    await deps.schedules.cancel(jobId).catch((err: unknown) => {
      // The worker still checks the flag when the schedule fires.
      log.warn({ err, jobId }, "could not remove the schedule of a cancelled delayed job");
    });
  }
  if (job.status === "running") return job;

  try {
    await deps.events.publish(
      {
        kind: "cancelled",
        jobId,
        tenantId: job.tenantId,
        type: job.type,
        attempt: job.attempt,
        at: now.toISOString(),
        data: { reason: CANCEL_REASON },
      },
      // Tells this cancellation apart from one before an earlier retry of the same job.
      { n: job.retries ?? 0 },
    );
  } catch (err) {
    log.warn({ err, jobId }, "could not publish the cancelled event; the worker cancels the job when it gets it");
    return job;
  }
  // What the record shows once the events service has applied the event.
  return { ...job, status: "cancelled", finishedAt: now };
}

/**
 * `POST /jobs/{id}/retry/`: runs a failed or cancelled job again, from its stored payload, with fresh attempts.
 *
 * 1. An unknown job (or another tenant's) is a 404; a job that is not failed or cancelled a 409 (a retry already
 *    announced shows: the reader overlays its `queued` event, so the job reads as queued). Without NATS: 503.
 * 2. This is retry n = `retries + 1`. The cancel flag is cleared, and a delayed job's schedule that has not fired
 *    yet is removed (it would run the job a second time).
 * 3. The retry is accepted (`acceptJob` with `retry: n`): `queued` with `data.retry = n` (which reopens the finished
 *    record) is published before the command `<jobId>:retry:<n>`, a new message, so JetStream counts its
 *    deliveries (the attempts) from 1 again. Concurrent retries race on the event's message id
 *    `<jobId>:0:0:queued:<n>`: JetStream keeps the first, and every other request answers 409.
 *
 * The answer is the job as the retry leaves it once projected (`status: queued`, `retries: n`).
 */
export async function retryJob(deps: JobControlDeps, caller: Caller, jobId: string): Promise<StoredJob> {
  const { principal, log } = caller;
  const job = await deps.reader.find(principal.tenantId, jobId);
  if (!job) throw notFound("job");
  assertMayActOn(principal, job.userId, "job");
  if (!RETRYABLE.has(job.status)) {
    throw conflict(`only a failed or cancelled job can be retried; this job is ${job.status}`);
  }
  if (!deps.nats.connected()) throw natsDown("retried");

  const retries = (job.retries ?? 0) + 1;
  try {
    await deps.cancellation.clear(jobId);
    if (job.runAt) await deps.schedules.cancel(jobId);
  } catch (err) {
    throw natsDown("retried", err);
  }

  let accepted: Awaited<ReturnType<typeof acceptJob>>;
  try {
    accepted = await acceptJob({ ...deps, log }, job, { retry: retries });
  } catch (err) {
    if (err instanceof JetStreamApiError) throw natsDown("retried", err);
    throw err;
  }
  if (accepted === "duplicate") throw conflict(RETRY_UNDER_WAY);
  const dispatchedAt = accepted === "published" ? new Date() : null;
  return {
    ...job,
    status: "queued",
    retries,
    attempt: 0,
    lastError: null,
    resultRefs: null,
    startedAt: null,
    finishedAt: null,
    dispatchedAt,
  };
}

/**
 * `POST /admin/dead-letters/{seq}/replay/`: retries the dead letter's job (as `retryJob`, with its 404/409 answers)
 * and records when it was replayed.
 */
export async function replayDeadLetter(deps: JobControlDeps, caller: Caller, seq: number): Promise<StoredJob> {
  const { principal, log } = caller;
  const deadLetter = await deps.deadLetters.findBySeq(principal.tenantId, seq);
  if (!deadLetter) throw notFound("dead letter");
  if (!deadLetter.jobId) throw conflict("this dead letter names no job that could be retried");
  const job = await retryJob(deps, caller, deadLetter.jobId);
  await deps.deadLetters.markReplayed(principal.tenantId, seq, new Date()).catch((err: unknown) => {
    log.error({ err, seq, jobId: job._id }, "the job was retried but the dead letter could not be marked replayed");
  });
  return job;
}

const finishedAlready = (status: JobStatus) =>
  conflict(`the job is ${status} already; only a queued, running or retrying job can be cancelled`);
