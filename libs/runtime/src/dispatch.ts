import {
  commandOf,
  type DispatchRecord,
  dispatchIdsOf,
  ERROR_CODES,
  HEADERS,
  queuedEventOf,
  SUBJECTS,
  scheduleOf,
} from "@ai-jobs/contracts";
import { JetStreamApiError, type PubAck } from "@nats-io/jetstream";
import type { JobEventPublisher } from "./job-events.js";
import type { JobOutbox } from "./job-outbox.js";
import type { Logger } from "./logger.js";
import type { Messaging } from "./messaging.js";
import type { JobOutboxEntry } from "./mongo.js";
import type { NatsContext } from "./nats.js";

export interface DispatchOptions {
  /** A delayed job's due time; the command is scheduled instead of queued while it is in the future. */
  runAt?: Date | undefined;
  /** The n-th explicit retry (0 or undefined: the first run). */
  retry?: number | undefined;
}

/**
 * Publishes the `queued` event, which carries the job's spec (its record is projected from it). The message ids
 * follow `dispatchIdsOf`, so a publish repeated by the gateway, the scheduler or the reconciler is a duplicate.
 */
export function publishQueued(
  events: JobEventPublisher,
  record: DispatchRecord,
  opts: DispatchOptions & { at?: Date },
): Promise<PubAck> {
  const { eventN } = dispatchIdsOf(record._id, opts.retry);
  const event = queuedEventOf(record, { runAt: opts.runAt, retry: opts.retry, at: opts.at ?? new Date() });
  return events.publish(event, eventN === undefined ? {} : { n: eventN });
}

/** Publishes the command on its queue, or its schedule on `delayed.sched.<jobId>` while `runAt` is ahead. */
export function publishCommand(
  messaging: Messaging,
  record: DispatchRecord,
  opts: DispatchOptions & { now?: Date },
): Promise<PubAck> {
  const ids = dispatchIdsOf(record._id, opts.retry);
  const command = commandOf(record);
  const attributes = {
    "job.id": record._id,
    "job.type": record.type,
    "job.queue": record.queue,
    "job.priority": record.priority,
  };
  const now = opts.now ?? new Date();
  if (opts.runAt && opts.runAt.getTime() > now.getTime()) {
    const schedule = scheduleOf(command, opts.runAt);
    return messaging.publish(schedule.subject, command, {
      msgId: ids.schedule,
      headers: { ...schedule.headers, [HEADERS.jobType]: record.type },
      attributes,
    });
  }
  return messaging.publish(SUBJECTS.job(record.queue, record.priority, record.tenantId), command, {
    msgId: ids.command,
    headers: { [HEADERS.jobType]: record.type },
    attributes,
  });
}

/**
 * Which bound refused a command: the whole JOBS stream ("queue"), or the tenant's cap on its jobs in that queue
 * and priority ("tenant", JOBS' per-subject limit). nats-server tells them apart only by the store error's text.
 */
export type RefusedBy = "queue" | "tenant";

export function refusedByOf(err: JetStreamApiError): RefusedBy {
  return err.message.includes("per subject") ? "tenant" : "queue";
}

/** JetStream answered and refused the command (a bound of JOBS was reached): the job was not accepted. */
export class CommandRefusedError extends Error {
  override readonly name = "CommandRefusedError";
  readonly refusedBy: RefusedBy;
  constructor(message: string, cause: JetStreamApiError) {
    super(message, { cause });
    this.refusedBy = refusedByOf(cause);
  }
}

export interface AcceptDeps {
  messaging: Messaging;
  events: JobEventPublisher;
  /** `connected()` is false during a NATS outage: the job goes to the outbox at once instead of timing out. */
  nats: Pick<NatsContext, "connected">;
  outbox: Pick<JobOutbox, "hold">;
  log: Pick<Logger, "warn" | "error">;
}

export type Accepted =
  /** The `queued` event and the command are in JetStream: the job is durable and will run. */
  | "published"
  /** NATS could not take it: the outbox holds it, and the events reconciler publishes it when NATS is back. */
  | "held"
  /** A retry whose `queued` event JetStream already had: another request is making this very retry. */
  | "duplicate";

/**
 * The one way a job (or an explicit retry of one) is accepted: by the gateway, the scheduler and, for what they
 * could not publish, the reconciler. JetStream is the job's state of record, so accepting is publishing:
 *
 * - First run: the `queued` event (the job's spec) and the command are published pipelined, on one connection in
 *   that order, so the server stores `queued` before the command can reach a worker, and `queued` always precedes
 *   the worker's `started`. Both acked: "published". The queue refusing the command (JOBS is bounded, discard-new)
 *   throws CommandRefusedError after publishing a `failed` event (`QUEUE_FULL`) that closes the job record the
 *   `queued` event opened (or, with `whenFull: "hold"`, holds the job in the outbox until the queue has room).
 *   Anything else failing (NATS down, a timeout): the dispatch goes to the outbox ("held");
 *   the reconciler publishes it again with the same message ids, so what did get through is dropped as a duplicate.
 * - Explicit retry n: the `queued` event (with `data.retry`, which reopens the finished record) is published and
 *   acked before the command, since a command without it would run a job whose record stays finished. A duplicate
 *   `queued` is another request's retry n. Its refusal throws (nothing changed); any other failure of either
 *   publish holds the dispatch in the outbox, and the reconciler publishes both again (the `queued` event may
 *   already have reopened the record, so the command must follow).
 */
export async function acceptJob(
  deps: AcceptDeps,
  record: DispatchRecord,
  opts: DispatchOptions & {
    now?: Date;
    /**
     * A full queue: "refuse" (default) throws CommandRefusedError, so a client can be told to come back; "hold"
     * keeps the job in the outbox until the queue has room, for accepters nobody waits on (the scheduler).
     */
    whenFull?: "refuse" | "hold";
  } = {},
): Promise<Accepted> {
  const now = opts.now ?? new Date();
  const dispatch = { runAt: opts.runAt, retry: opts.retry };
  const hold = async (cause: unknown): Promise<Accepted> => {
    deps.log.warn({ err: cause, jobId: record._id }, "dispatch not published; the outbox holds it for the reconciler");
    await deps.outbox.hold(outboxEntryOf(record, dispatch, now));
    return "held";
  };

  if (opts.retry !== undefined && opts.retry > 0) {
    let ack: PubAck;
    try {
      ack = await publishQueued(deps.events, record, { ...dispatch, at: now });
    } catch (err) {
      // Refused: nothing changed. Unanswered: it may have reopened the record, so the reconciler must finish it.
      if (err instanceof JetStreamApiError) throw err;
      return hold(err);
    }
    if (ack.duplicate) return "duplicate";
    try {
      await publishCommand(deps.messaging, record, { ...dispatch, now });
      return "published";
    } catch (err) {
      return hold(err);
    }
  }

  if (!deps.nats.connected()) return hold(new Error("NATS is disconnected"));
  const [queued, command] = await Promise.allSettled([
    publishQueued(deps.events, record, { ...dispatch, at: now }),
    publishCommand(deps.messaging, record, { ...dispatch, now }),
  ]);
  if (command.status === "rejected" && command.reason instanceof JetStreamApiError) {
    if (opts.whenFull === "hold") return hold(command.reason);
    const refused = new CommandRefusedError(`JetStream refused the command of job ${record._id}`, command.reason);
    if (queued.status === "fulfilled") await publishRefusal(deps, record, refused.refusedBy, now);
    throw refused;
  }
  if (queued.status === "rejected") return hold(queued.reason);
  if (command.status === "rejected") return hold(command.reason);
  return "published";
}

/** Closes the record a refused job's `queued` event opened: it failed with QUEUE_FULL (or TENANT_QUEUE_FULL) and never ran. */
async function publishRefusal(deps: AcceptDeps, record: DispatchRecord, by: RefusedBy, at: Date): Promise<void> {
  const error =
    by === "tenant"
      ? {
          code: ERROR_CODES.tenantQueueFull,
          message: `the tenant's cap on jobs waiting in the ${record.queue} queue was reached; the job was not accepted`,
        }
      : { code: ERROR_CODES.queueFull, message: `the ${record.queue} queue was full; the job was not accepted` };
  await deps.events
    .publish({
      kind: "failed",
      jobId: record._id,
      tenantId: record.tenantId,
      type: record.type,
      attempt: 0,
      at: at.toISOString(),
      data: { error },
    })
    .catch((err: unknown) => {
      // The record then says queued for a job that will never run; rare (a full queue and a failing NATS at once).
      deps.log.error({ err, jobId: record._id }, "could not close the record of a refused job");
    });
}

/** What the reconciler needs to publish a dispatch again exactly as it was meant. */
export function outboxEntryOf(record: DispatchRecord, opts: DispatchOptions, now: Date): JobOutboxEntry {
  return {
    _id: dispatchIdsOf(record._id, opts.retry).command,
    jobId: record._id,
    tenantId: record.tenantId,
    type: record.type,
    spec: {
      userId: record.userId,
      queue: record.queue,
      priority: record.priority,
      payload: record.payload,
      maxAttempts: record.maxAttempts,
      createdAt: record.createdAt,
      traceId: record.traceId,
      webhook: record.webhook ?? null,
      idempotencyKey: record.idempotencyKey ?? null,
    },
    runAt: opts.runAt ?? null,
    retry: opts.retry ?? 0,
    createdAt: now,
  };
}

/** The record a held dispatch publishes. */
export const dispatchRecordOf = (entry: JobOutboxEntry): DispatchRecord => ({
  _id: entry.jobId,
  tenantId: entry.tenantId,
  type: entry.type,
  ...entry.spec,
});
