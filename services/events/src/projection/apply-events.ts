import { type JobEvent, type JobRecord, TERMINAL_STATUSES } from "@ai-jobs/contracts";
import type { Collections, JobEventRecord } from "@ai-jobs/runtime";
import { type AnyBulkWriteOperation, type Filter, MongoBulkWriteError, type UpdateFilter } from "mongodb";

/** A job event with its JOB_EVENTS stream sequence, which is its id. */
export interface SequencedEvent {
  seq: number;
  event: JobEvent;
}

const TERMINAL = [...TERMINAL_STATUSES];
const DUPLICATE_KEY = 11000;

export function eventRecordOf({ seq, event }: SequencedEvent): JobEventRecord {
  return {
    _id: seq,
    jobId: event.jobId,
    tenantId: event.tenantId,
    kind: event.kind,
    attempt: event.attempt,
    at: new Date(event.at),
    data: event.data,
  };
}

/**
 * Guard fields the projection keeps on the job record beside `seq` (which stays "the highest sequence applied"):
 * the sequence of the last event applied to the status and to the progress (`JobRecord.statusSeq`/`progressSeq`).
 * A record without them (fresh from the gateway) matches as "nothing applied yet".
 */
export const GUARD_FIELDS = { status: "statusSeq", progress: "progressSeq" } as const;

/** Matches a record whose `field` is missing or below `seq`. */
const olderThan = (field: string, seq: number) => ({ [field]: { $not: { $gte: seq } } });

/**
 * The update one event makes to its job record. The filter is the whole ordering rule, and it holds whatever
 * order the events arrive in (replicas write their batches concurrently, and a redelivery comes late):
 * - a terminal status is final: nothing changes a finished job, and a terminal event always lands on an unfinished
 *   one, even after a later event of its job was written first (DESIGN.md: "terminal states stay terminal");
 * - `started`/`retrying` apply only when newer than the last status change, progress only when newer than the last
 *   progress, `queued`/`log` (which only move `seq`) only when newer than `seq`. So a replay is a no-op, and a late
 *   `started` is not lost because a later progress event of the same job was written before it;
 * - `seq` only grows;
 * - a job of another tenant never matches, whatever the event claims.
 */
export function jobUpdateOf(
  { seq, event }: SequencedEvent,
  now: Date,
): { filter: Filter<JobRecord>; update: UpdateFilter<JobRecord> } {
  const at = new Date(event.at);
  const filter: Filter<JobRecord> = { _id: event.jobId, tenantId: event.tenantId, status: { $nin: TERMINAL } };
  const set: Record<string, unknown> = { updatedAt: now };
  switch (event.kind) {
    case "queued":
    case "log":
      Object.assign(filter, { seq: { $lt: seq } });
      break;
    case "started":
      Object.assign(filter, olderThan(GUARD_FIELDS.status, seq));
      Object.assign(set, { status: "running", attempt: event.attempt, startedAt: at, [GUARD_FIELDS.status]: seq });
      break;
    case "retrying":
      Object.assign(filter, olderThan(GUARD_FIELDS.status, seq));
      Object.assign(set, { status: "retrying", lastError: event.data.error, [GUARD_FIELDS.status]: seq });
      break;
    case "progress":
      Object.assign(filter, olderThan(GUARD_FIELDS.progress, seq));
      if (event.data.pct !== undefined) set["progress.pct"] = event.data.pct;
      if (event.data.step !== undefined) set["progress.step"] = event.data.step;
      set["progress.message"] = event.data.message;
      set[GUARD_FIELDS.progress] = seq;
      break;
    case "succeeded":
      Object.assign(set, {
        status: "succeeded",
        "progress.pct": 100,
        resultRefs: event.data.result,
        lastError: null,
        finishedAt: at,
        [GUARD_FIELDS.status]: seq,
      });
      break;
    case "failed":
      Object.assign(set, {
        status: "failed",
        lastError: event.data.error,
        finishedAt: at,
        [GUARD_FIELDS.status]: seq,
      });
      break;
    case "cancelled":
      Object.assign(set, { status: "cancelled", finishedAt: at, [GUARD_FIELDS.status]: seq });
      break;
  }
  return { filter, update: { $set: set, $max: { seq } } };
}

/**
 * Projects a batch of events: one unordered insert into `job_events` (a replayed event hits the unique `_id` and is
 * skipped), then one ordered bulk of guarded updates on `jobs`. Both are idempotent, so the whole batch can be
 * retried after any failure. Returns how many job records changed.
 */
export async function applyEvents(
  collections: Pick<Collections, "jobs" | "jobEvents">,
  events: readonly SequencedEvent[],
  now: Date = new Date(),
): Promise<number> {
  if (events.length === 0) return 0;
  try {
    await collections.jobEvents.bulkWrite(
      events.map((e) => ({ insertOne: { document: eventRecordOf(e) } })),
      { ordered: false },
    );
  } catch (err) {
    if (!isOnlyDuplicateKeys(err)) throw err;
  }
  // Ordered: several events of one job in a batch must apply in sequence order.
  const ops: AnyBulkWriteOperation<JobRecord>[] = events.map((e) => ({ updateOne: jobUpdateOf(e, now) }));
  const result = await collections.jobs.bulkWrite(ops, { ordered: true });
  return result.modifiedCount;
}

function isOnlyDuplicateKeys(err: unknown): boolean {
  if (!(err instanceof MongoBulkWriteError) || err.result.getWriteConcernError()) return false;
  const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY);
}
