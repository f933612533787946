import { JobCommand } from "./commands.js";
import type { JobEventOf } from "./events.js";
import type { JobRecord } from "./job.js";
import { type QueuedRecord, queuedSpecOf } from "./new-job.js";
import { HEADERS, SUBJECTS } from "./subjects.js";

/** What of a job record its dispatch needs: the command, and the spec its `queued` event carries. */
export type DispatchRecord = Pick<JobRecord, "_id" | "tenantId" | "type"> & QueuedRecord;

/**
 * The message ids of a job's dispatch, shared by the gateway and the reconciler so that whatever one published is a
 * duplicate for the other. The first run: the `queued` event `<jobId>:0:0:queued`, the command `<jobId>`, the
 * schedule `<jobId>:schedule`. The n-th explicit retry needs ids of its own, or JetStream would drop it as a
 * duplicate of the first run inside the duplicate window: event suffix `:<n>`, `<jobId>:retry:<n>`,
 * `<jobId>:schedule:retry:<n>`.
 */
export function dispatchIdsOf(
  jobId: string,
  retry = 0,
): { eventN: number | undefined; command: string; schedule: string } {
  if (retry === 0) return { eventN: undefined, command: jobId, schedule: `${jobId}:schedule` };
  return { eventN: retry, command: `${jobId}:retry:${retry}`, schedule: `${jobId}:schedule:retry:${retry}` };
}

/** A delayed job's due time as a schedule holds it: whole seconds, rounded up so it never runs early. */
export const wholeSecondAtOrAfter = (at: Date): Date => new Date(Math.ceil(at.getTime() / 1_000) * 1_000);

/**
 * The `Nats-Schedule` value for a one-shot schedule: `@at` and an RFC 3339 UTC time in whole seconds, rounded up.
 * (nats-server 2.12 also accepts milliseconds and offsets, and refuses anything unparseable.)
 */
export const scheduleAt = (runAt: Date): string =>
  `@at ${wholeSecondAtOrAfter(runAt).toISOString().replace(".000Z", "Z")}`;

/** Where a delayed command is scheduled, and the headers that make JOBS_DELAYED fire it into `delayed.due.…`. */
export function scheduleOf(
  command: Pick<JobCommand, "jobId" | "queue" | "priority" | "tenantId">,
  runAt: Date,
): { subject: string; headers: Record<string, string> } {
  return {
    subject: SUBJECTS.delayedSchedule(command.jobId),
    headers: {
      [HEADERS.schedule]: scheduleAt(runAt),
      [HEADERS.scheduleTarget]: SUBJECTS.delayedDue(command.queue, command.priority, command.tenantId),
    },
  };
}

/** `delayed.due.<queue>.<priority>.<tenant>` → `jobs.<queue>.<priority>.<tenant>`; undefined for anything else. */
export function jobSubjectOfDue(subject: string): string | undefined {
  const parts = subject.split(".");
  if (parts.length !== 5 || parts[0] !== "delayed" || parts[1] !== "due") return undefined;
  return ["jobs", ...parts.slice(2)].join(".");
}

/** The command a stored job is dispatched as. */
export function commandOf(record: DispatchRecord): JobCommand {
  return JobCommand.parse({
    jobId: record._id,
    tenantId: record.tenantId,
    userId: record.userId,
    type: record.type,
    queue: record.queue,
    priority: record.priority,
    payload: record.payload,
    createdAt: record.createdAt.toISOString(),
  });
}

/**
 * The `queued` event announcing a dispatch (`data.runAt` for a delayed job, `data.retry` for the n-th retry). It
 * carries the job's spec (`data.job`), from which the events projector creates the job's record.
 */
export function queuedEventOf(
  record: DispatchRecord,
  opts: { runAt?: Date | undefined; retry?: number | undefined; at: Date },
): JobEventOf<"queued"> {
  return {
    kind: "queued",
    jobId: record._id,
    tenantId: record.tenantId,
    type: record.type,
    attempt: 0,
    at: opts.at.toISOString(),
    data: {
      ...(opts.runAt ? { runAt: opts.runAt.toISOString() } : {}),
      ...(opts.retry ? { retry: opts.retry } : {}),
      job: queuedSpecOf(record),
    },
  };
}
