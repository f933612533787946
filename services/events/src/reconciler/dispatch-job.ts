import { HEADERS, JobCommand, type JobEvent, type JobRecord, SUBJECTS } from "@ai-jobs/contracts";
import type { JobEventPublisher, Logger, Messaging } from "@ai-jobs/runtime";
import { JetStreamApiError } from "@nats-io/jetstream";
import { scheduleOf } from "../delayed/schedule.js";

export interface DispatchDeps {
  messaging: Messaging;
  events: JobEventPublisher;
  log: Logger;
}

export type DispatchRecord = Pick<
  JobRecord,
  "_id" | "tenantId" | "userId" | "type" | "queue" | "priority" | "payload" | "createdAt" | "runAt" | "retries"
>;

/**
 * The message ids of a job's dispatch. The first run uses the gateway's: the `queued` event as
 * `createJobEventPublisher` names it with attempt 0 (`<jobId>:0:0:queued`), the command `<jobId>`, the schedule
 * `<jobId>:schedule`. The n-th explicit retry needs ids of its own, or JetStream would drop it as a duplicate of the
 * first run inside the duplicate window: `<jobId>:0:0:queued:<n>`, `<jobId>:retry:<n>`, `<jobId>:schedule:retry:<n>`.
 */
export function dispatchIdsOf(record: Pick<JobRecord, "_id" | "retries">): {
  eventN: number | undefined;
  command: string;
  schedule: string;
} {
  const retry = record.retries ?? 0;
  if (retry === 0) return { eventN: undefined, command: record._id, schedule: `${record._id}:schedule` };
  return { eventN: retry, command: `${record._id}:retry:${retry}`, schedule: `${record._id}:schedule:retry:${retry}` };
}

/**
 * Publishes an accepted job exactly as the gateway does: the `queued` event first (so it precedes the worker's
 * `started`), then the command on `jobs.<queue>.<priority>.<tenant>`, or, for a `runAt` still in the future, its
 * schedule on `delayed.sched.<jobId>`. Every message carries the gateway's msg id, so whatever the gateway did
 * publish before it failed is dropped as a duplicate. Throws when the command or schedule is not published.
 */
export async function dispatchJob(
  deps: DispatchDeps,
  record: DispatchRecord,
  now: Date = new Date(),
): Promise<"command" | "schedule"> {
  const ids = dispatchIdsOf(record);
  const delayed = record.runAt != null && record.runAt.getTime() > now.getTime();
  const queued: JobEvent = {
    kind: "queued",
    jobId: record._id,
    tenantId: record.tenantId,
    type: record.type,
    attempt: 0,
    at: record.createdAt.toISOString(),
    data: {
      ...(record.runAt != null ? { runAt: record.runAt.toISOString() } : {}),
      ...(ids.eventN !== undefined ? { retry: ids.eventN } : {}),
    },
  };
  try {
    await deps.events.publish(queued, ids.eventN === undefined ? {} : { n: ids.eventN });
  } catch (err) {
    // As in the gateway: a refusal of the event must not hold the job back; an unreachable NATS must.
    if (!(err instanceof JetStreamApiError)) throw err;
    deps.log.warn({ err, jobId: record._id }, "could not publish the queued event");
  }

  const command = JobCommand.parse({
    jobId: record._id,
    tenantId: record.tenantId,
    userId: record.userId,
    type: record.type,
    queue: record.queue,
    priority: record.priority,
    payload: record.payload,
    createdAt: record.createdAt.toISOString(),
  });
  const attributes = { "job.id": record._id, "job.type": record.type, "job.queue": record.queue };
  if (delayed && record.runAt != null) {
    const schedule = scheduleOf(command, record.runAt);
    await deps.messaging.publish(schedule.subject, command, {
      msgId: ids.schedule,
      headers: { ...schedule.headers, [HEADERS.jobType]: record.type },
      attributes,
    });
    return "schedule";
  }
  await deps.messaging.publish(SUBJECTS.job(record.queue, record.priority, record.tenantId), command, {
    msgId: ids.command,
    headers: { [HEADERS.jobType]: record.type },
    attributes: { ...attributes, "job.priority": record.priority },
  });
  return "command";
}
