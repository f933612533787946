import {
  JOB_TYPES,
  type JobRecord,
  type JobType,
  newJobRecord,
  type PayloadOf,
  type Priority,
  wholeSecondAtOrAfter,
} from "@ai-jobs/contracts";
import { activeTraceId } from "@ai-jobs/runtime";
import type { IdempotencyKeyRepository } from "../data/idempotency-keys.js";
import type { StoredJob } from "../data/jobs.js";
import type { Caller } from "./context.js";
import { CommandRefusedError, type DispatchDeps, dispatchJob } from "./dispatch.js";
import { serviceUnavailable } from "./errors.js";
import { claimIdempotencyKey, type Idempotency } from "./idempotency.js";

export interface SubmitJobDeps extends DispatchDeps {
  keys: IdempotencyKeyRepository;
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
  /** A delayed or ETA job: held in JOBS_DELAYED until then (rounded up to a whole second). */
  runAt?: Date | undefined;
  /** The client's `Idempotency-Key` with the hash of its request. */
  idempotency?: Idempotency | undefined;
  /** Where the events service POSTs the job's terminal event (`webhook_url`, already validated). */
  webhookUrl?: string | undefined;
}

export interface SubmittedJob {
  job: StoredJob;
  /** False when the command could not be published yet: the reconciler publishes it later. */
  dispatched: boolean;
  /**
   * True when the request repeated an earlier one with the same `Idempotency-Key`: `job` is that request's job, and
   * nothing was created (the caller's draft was not written).
   */
  replayed: boolean;
}

/** Seconds a client should wait before submitting again to a full queue. */
const QUEUE_FULL_RETRY_AFTER_S = 5;

/**
 * What happens when a job is submitted, for every job type:
 *
 * 1. The payload is checked against the job type's schema (a failure here is a bug in the caller, not bad input).
 * 2. With an `Idempotency-Key`, the key is claimed before anything is created; a repeated request gets the first
 *    one's job back (`replayed`), a different request under the same key a 422 (see `claimIdempotencyKey`).
 * 3. The draft, then the job record (`queued`, `dispatchedAt: null`, `runAt` for a delayed job) are written to
 *    MongoDB. From here on the job is durable: a 202 may be sent.
 * 4. The `queued` event and the command are published (`dispatchJob`): on the job's queue with `Nats-Msg-Id = jobId`,
 *    or for a delayed job as a schedule with `Nats-Msg-Id = <jobId>:schedule`. During a NATS outage nothing is
 *    published and the job stays `dispatchedAt: null` for the reconciler.
 *    - If JetStream refuses the command (the bounded queue is full), the job was never accepted: the record and the
 *      draft are removed and the caller gets a 503. The orphan `queued` event matches no job record and is ignored.
 * 5. If creating the job fails after the key was claimed, the key is freed so that the client's retry can succeed.
 */
export async function submitJob<T extends JobType>(
  deps: SubmitJobDeps,
  caller: Caller,
  req: SubmitJobRequest<T>,
): Promise<SubmittedJob> {
  const { principal, log } = caller;
  const payload = parsePayload(req.type, req.payload);

  let release: (() => Promise<void>) | undefined;
  if (req.idempotency) {
    const claim = await claimIdempotencyKey(deps, caller, req.idempotency, req.jobId);
    if (!claim.claimed) return { job: claim.job, dispatched: claim.job.dispatchedAt !== null, replayed: true };
    release = claim.release;
  }

  try {
    const now = new Date();
    const runAt = req.runAt ? wholeSecondAtOrAfter(req.runAt) : undefined;
    const job = newJobRecord({
      jobId: req.jobId,
      tenantId: principal.tenantId,
      userId: principal.userId,
      type: req.type,
      priority: req.priority,
      payload,
      now,
      traceId: activeTraceId(),
      idempotencyKey: req.idempotency?.key ?? null,
      runAt: runAt ?? null,
      webhookUrl: req.webhookUrl ?? null,
    });

    await req.draft?.write();
    try {
      await deps.jobs.insert(job);
    } catch (err) {
      await undoDraft(req.draft, caller, job);
      throw err;
    }

    try {
      const { dispatchedAt } = await dispatchJob(deps, log, {
        job,
        runAt,
      });
      return { job: { ...job, dispatchedAt }, dispatched: dispatchedAt !== null, replayed: false };
    } catch (err) {
      if (!(err instanceof CommandRefusedError)) throw err;
      // The server answered and said no (a full queue refuses new work): the job was never accepted.
      log.warn({ err: err.cause, jobId: job._id, queue: job.queue }, "JetStream refused the job command; rolling back");
      await deps.jobs.remove(job.tenantId, job._id).catch((e: unknown) => {
        log.error({ err: e, jobId: job._id }, "could not remove a refused job record");
      });
      await undoDraft(req.draft, caller, job);
      throw serviceUnavailable(`the ${job.queue} queue is full; try again later`, QUEUE_FULL_RETRY_AFTER_S, err);
    }
  } catch (err) {
    await release?.();
    throw err;
  }
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
