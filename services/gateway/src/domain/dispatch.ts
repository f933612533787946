import type { JobRecord } from "@ai-jobs/contracts";
import {
  type JobEventPublisher,
  type Messaging,
  type NatsContext,
  publishCommand,
  publishQueued,
} from "@ai-jobs/runtime";
import { JetStreamApiError } from "@nats-io/jetstream";
import type { JobRepository } from "../data/jobs.js";
import type { Log } from "./context.js";

export interface DispatchDeps {
  jobs: JobRepository;
  messaging: Messaging;
  events: JobEventPublisher;
  /** `connected()` is false during a NATS outage: publishing is skipped rather than waiting out its timeout. */
  nats: Pick<NatsContext, "connected">;
}

export interface DispatchRequest {
  /** The stored record; the command is built from it (its payload is kept for exactly this). */
  job: JobRecord;
  /** Hold the command in `JOBS_DELAYED` until this time (a whole second) instead of queueing it now. */
  runAt?: Date | undefined;
  /** Set for the n-th explicit retry: the `queued` event carries it, and it must be published before the command. */
  retry?: number | undefined;
}

export interface Dispatched {
  /** The `queued` event is in JOB_EVENTS. */
  announced: boolean;
  /**
   * A retry's `queued` event was already in JOB_EVENTS (JetStream dropped it as a duplicate): another request is
   * making the same retry, and the command was left to it.
   */
  duplicate: boolean;
  /** When the command was accepted by JetStream; null when it could not be published (the reconciler will). */
  dispatchedAt: Date | null;
}

/** JetStream answered and refused the command (the bounded JOBS stream is full): it was not accepted. */
export class CommandRefusedError extends Error {
  override readonly name = "CommandRefusedError";
}

/**
 * Publishes a stored job: the one publishing path of submits and retries.
 *
 * 1. During a NATS outage (`nats.connected()` is false) nothing is published and the call returns at once.
 * 2. The `queued` event (with `data.runAt` for a delayed job, `data.retry` for a retry) goes first, so it always
 *    precedes the worker's `started`. When NATS cannot be reached the command is not tried (no second timeout).
 *    A retry's event must be in JOB_EVENTS before its command (it reopens the finished job), so for a retry any
 *    failure here stops the dispatch. A retry whose event JetStream reports as a duplicate is another request's
 *    retry with the same number (a concurrent one): the command is left to that request.
 * 3. The command goes on `jobs.<queue>.<priority>.<tenant>`, or for a delayed job on `delayed.sched.<jobId>` with
 *    `Nats-Schedule: @at …` and `Nats-Schedule-Target: delayed.due.<queue>.<priority>.<tenant>`. A refusal from
 *    JetStream throws CommandRefusedError; NATS being unreachable leaves `dispatchedAt` null.
 * 4. `dispatchedAt` is set. Failing that changes nothing: a repeated publish by the reconciler is a duplicate.
 */
export async function dispatchJob(deps: DispatchDeps, log: Log, req: DispatchRequest): Promise<Dispatched> {
  const { job, runAt, retry } = req;
  if (!deps.nats.connected()) {
    log.warn({ jobId: job._id }, "NATS is disconnected; the job stays undispatched for the reconciler");
    return { announced: false, duplicate: false, dispatchedAt: null };
  }

  try {
    const ack = await publishQueued(deps.events, job, { runAt, retry });
    if (retry !== undefined && ack.duplicate) return { announced: true, duplicate: true, dispatchedAt: null };
  } catch (err) {
    if (retry !== undefined || !(err instanceof JetStreamApiError)) {
      log.warn({ err, jobId: job._id }, "could not publish the queued event; the job is not dispatched");
      return { announced: false, duplicate: false, dispatchedAt: null };
    }
    log.warn({ err, jobId: job._id }, "could not publish the queued event");
  }

  try {
    await publishCommand(deps.messaging, job, { runAt, retry });
  } catch (err) {
    if (err instanceof JetStreamApiError) {
      throw new CommandRefusedError(`JetStream refused the command of job ${job._id}`, { cause: err });
    }
    log.warn({ err, jobId: job._id }, "job command not published; the reconciler will publish it");
    return { announced: true, duplicate: false, dispatchedAt: null };
  }

  const dispatchedAt = new Date();
  await deps.jobs.markDispatched(job.tenantId, job._id, dispatchedAt).catch((err: unknown) => {
    log.warn({ err, jobId: job._id }, "could not record dispatchedAt; the reconciler may publish a duplicate");
  });
  return { announced: true, duplicate: false, dispatchedAt };
}
