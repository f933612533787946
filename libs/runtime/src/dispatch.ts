import {
  commandOf,
  type DispatchRecord,
  dispatchIdsOf,
  HEADERS,
  queuedEventOf,
  SUBJECTS,
  scheduleOf,
} from "@ai-jobs/contracts";
import type { PubAck } from "@nats-io/jetstream";
import type { JobEventPublisher } from "./job-events.js";
import type { Messaging } from "./messaging.js";

export interface DispatchOptions {
  /** A delayed job's due time; the command is scheduled instead of queued while it is in the future. */
  runAt?: Date | undefined;
  /** The n-th explicit retry (0 or undefined: the first run). */
  retry?: number | undefined;
}

/**
 * The two publishes of a dispatch, used by the gateway (submit, retry) and the events reconciler alike: the
 * `queued` event first, so it always precedes the worker's `started`, then the command. Message ids follow
 * `dispatchIdsOf`, so a publish repeated by the other side is dropped as a duplicate. Each caller keeps its own
 * policy for failures.
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
