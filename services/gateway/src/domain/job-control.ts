import { isTerminal, type JobStatus } from "@ai-jobs/contracts";
import type { Cancellation } from "@ai-jobs/runtime";
import type { DeadLetterRepository } from "../data/dead-letters.js";
import type { StoredJob } from "../data/jobs.js";
import type { ScheduleStore } from "../data/schedules.js";
import type { Caller } from "./context.js";
import { CommandRefusedError, type DispatchDeps, dispatchJob } from "./dispatch.js";
import { conflict, notFound, serviceUnavailable } from "./errors.js";

export interface JobControlDeps extends DispatchDeps {
  cancellation: Pick<Cancellation, "request" | "clear">;
  schedules: ScheduleStore;
  deadLetters: DeadLetterRepository;
}

const RETRYABLE: ReadonlySet<JobStatus> = new Set(["failed", "cancelled"]);
/** Seconds to wait before asking again while NATS is unreachable. */
const NATS_RETRY_AFTER_S = 2;
/**
 * How long a retry counts as "under way" while the events projector has not applied its `queued` event yet. After
 * that a new retry is accepted again (the first one's announcement was lost, or its gateway died half-way).
 */
const RETRY_UNDER_WAY_MS = 2 * 60_000;
export const CANCEL_REASON = "cancelled by request";
const RETRY_UNDER_WAY = "a retry of this job is already under way";

const natsDown = (what: string, cause?: unknown) =>
  serviceUnavailable(
    `the job cannot be ${what} while the message broker is unreachable; retry shortly`,
    NATS_RETRY_AFTER_S,
    cause,
  );

/**
 * `DELETE /jobs/{id}/`: asks for a job to be cancelled. The answer is the job as the request leaves it.
 *
 * 1. An unknown job (or another tenant's) is a 404; a finished one (succeeded, failed, cancelled) a 409.
 * 2. `cancelRequestedAt` is set on the record (the first request's time is kept), then the durable flag
 *    `cancel.<jobId>` goes into JOB_CONTROL: a worker checks it before it starts the job, and aborts the job through
 *    its AbortSignal when the flag appears while it runs. Without NATS the flag cannot be stored: 503.
 * 3. A delayed job's pending schedule is removed, so it never reaches its queue (the flag's 7-day TTL is shorter
 *    than the longest delay).
 * 4. A job that is not running (queued, delayed, retrying) is cancelled at once: the `cancelled` event is published
 *    here. A running job is cancelled by its worker, which publishes `cancelled` itself once the handler stopped.
 *
 * Asking again before the cancellation is final repeats the same steps, and the repeated event is dropped as a
 * duplicate, so DELETE can be retried safely.
 */
export async function cancelJob(deps: JobControlDeps, caller: Caller, jobId: string): Promise<StoredJob> {
  const { principal, log } = caller;
  const job = await deps.jobs.findById(principal.tenantId, jobId);
  if (!job) throw notFound("job");
  if (isTerminal(job.status)) throw finishedAlready(job.status);
  if (!deps.nats.connected()) throw natsDown("cancelled");

  const now = new Date();
  const requested = await deps.jobs.requestCancel(principal.tenantId, jobId, now);
  if (!requested) throw notFound("job");
  if (isTerminal(requested.status)) throw finishedAlready(requested.status);
  try {
    await deps.cancellation.request(jobId, { tenantId: principal.tenantId, requestedBy: principal.userId });
  } catch (err) {
    throw natsDown("cancelled", err);
  }
  if (requested.runAt) {
    await deps.schedules.cancel(jobId).catch((err: unknown) => {
      // The worker still checks the flag when the schedule fires.
      log.warn({ err, jobId }, "could not remove the schedule of a cancelled delayed job");
    });
  }
  if (requested.status === "running") return requested;

  try {
    await deps.events.publish(
      {
        kind: "cancelled",
        jobId,
        tenantId: requested.tenantId,
        type: requested.type,
        attempt: requested.attempt,
        at: now.toISOString(),
        data: { reason: CANCEL_REASON },
      },
      // Tells this cancellation apart from one before an earlier retry of the same job.
      { n: requested.retries ?? 0 },
    );
  } catch (err) {
    log.warn({ err, jobId }, "could not publish the cancelled event; the worker cancels the job when it gets it");
    return requested;
  }
  // What the record shows once the events service has applied the event.
  return { ...requested, status: "cancelled", finishedAt: now };
}

/**
 * `POST /jobs/{id}/retry/`: runs a failed or cancelled job again, from its stored payload, with fresh attempts.
 *
 * 1. An unknown job (or another tenant's) is a 404; a job that is not failed or cancelled, or whose previous retry
 *    the events service has not applied yet, a 409. Without NATS nothing is changed: 503.
 * 2. This is retry n = `retries + 1`. `retries` itself is the projector's: it reopens a finished job only for a
 *    `queued` event whose `data.retry` is above `retries`, and sets `retries = n` then (a lower or equal number is a
 *    stale replay). The record gets `cancelRequestedAt: null`, `dispatchedAt: null` and the retry marker
 *    `{n, at, ofSeq}` (a compare-and-set on the marker: of concurrent retries one wins, the others get 409).
 *    FerretDB does not serialise that update, so concurrent retries may all pass it with the same n; JetStream then
 *    drops all but the first `queued` event and command of that n as duplicates (same `Nats-Msg-Id`), and the
 *    requests whose event was a duplicate answer 409.
 * 3. The cancel flag is cleared, and a delayed job's schedule that has not fired yet is removed (it would run the
 *    job a second time).
 * 4. `queued` with `data.retry = n` is published (the events projector reopens the finished job on it), then the
 *    command with `Nats-Msg-Id = <jobId>:retry:<n>`: a new message, so JetStream counts its deliveries (the
 *    attempts) from 1 again. If the `queued` event cannot be published, the retry is taken back: 503.
 *
 * The answer is the job as the retry leaves it once projected (`status: queued`, `retries: n`).
 */
export async function retryJob(deps: JobControlDeps, caller: Caller, jobId: string): Promise<StoredJob> {
  const { principal, log } = caller;
  const job = await deps.jobs.findById(principal.tenantId, jobId);
  if (!job) throw notFound("job");
  if (!RETRYABLE.has(job.status)) {
    throw conflict(`only a failed or cancelled job can be retried; this job is ${job.status}`);
  }
  const now = new Date();
  if (retryUnderWay(job, now)) throw conflict(RETRY_UNDER_WAY);
  if (!deps.nats.connected()) throw natsDown("retried");

  // Past a stale marker (its retry was never applied), the next number: its message ids must not repeat that one's.
  const retries = Math.max(job.retries ?? 0, job.retryRequest?.n ?? 0) + 1;
  const request = { n: retries, at: now, ofSeq: statusSeqOf(job) };
  const started = await deps.jobs.startRetry(principal.tenantId, jobId, {
    expected: job.retryRequest ?? null,
    request,
  });
  if (!started) throw conflict(RETRY_UNDER_WAY);
  const abandon = async () => {
    await deps.jobs.abandonRetry(principal.tenantId, jobId, request).catch((err: unknown) => {
      log.error({ err, jobId }, "could not take back a retry that was not announced");
    });
  };

  try {
    await deps.cancellation.clear(jobId);
    if (job.runAt) await deps.schedules.cancel(jobId);
  } catch (err) {
    await abandon();
    throw natsDown("retried", err);
  }

  let dispatchedAt: Date | null;
  try {
    const dispatched = await dispatchJob(deps, log, {
      job: started,
      retry: retries,
    });
    if (!dispatched.announced) {
      await abandon();
      throw natsDown("retried");
    }
    // A concurrent request made this same retry first (the database may not serialise the update: FerretDB).
    if (dispatched.duplicate) throw conflict(RETRY_UNDER_WAY);
    dispatchedAt = dispatched.dispatchedAt;
  } catch (err) {
    if (!(err instanceof CommandRefusedError)) throw err;
    // The `queued` event is out, so the job is reopened; the reconciler publishes the command once the queue has
    // room again (as after a submit during an outage).
    log.warn({ err: err.cause, jobId }, "JetStream refused the retried command; the reconciler will publish it");
    dispatchedAt = null;
  }
  return { ...started, status: "queued", retries, dispatchedAt };
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

/** The sequence of the last status change the events service applied (`statusSeq`; older records: `seq`). */
const statusSeqOf = (job: StoredJob): number => job.statusSeq ?? job.seq;

/** A retry whose `queued` event the projector has not applied yet (nothing changed the status since). */
function retryUnderWay(job: StoredJob, now: Date): boolean {
  const request = job.retryRequest;
  return (
    request != null && request.ofSeq === statusSeqOf(job) && now.getTime() - request.at.getTime() < RETRY_UNDER_WAY_MS
  );
}
