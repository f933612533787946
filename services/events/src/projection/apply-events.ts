import { JobEvent, type JobRecord, type JobStatus, TERMINAL_STATUSES } from "@ai-jobs/contracts";
import { bulkWriteInSlices, type Collections, type JobEventRecord } from "@ai-jobs/runtime";
import { type AnyBulkWriteOperation, type Filter, MongoBulkWriteError, type UpdateFilter } from "mongodb";
import { coalesceProgress } from "./coalesce.js";
import type { SequencedEvent } from "./sequenced-event.js";

export type { SequencedEvent };

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
 * the sequence of the last event applied to the status and to the progress (`JobRecord.statusSeq`/`progressSeq`),
 * and of the explicit retry that started the current run (`runSeq`: any earlier event belongs to an earlier run).
 * A record without them (fresh from the gateway) matches as "nothing applied yet".
 */
export const GUARD_FIELDS = { status: "statusSeq", progress: "progressSeq", run: "runSeq" } as const;

const REOPENABLE: JobStatus[] = ["failed", "cancelled"];

/** Matches a record whose `field` is missing or below `seq`. */
const olderThan = (field: string, seq: number) => ({ [field]: { $not: { $gte: seq } } });

export interface JobUpdate {
  filter: Filter<JobRecord>;
  update: UpdateFilter<JobRecord>;
}

/**
 * The updates one event makes to its job record, applied in order. The filters are the whole ordering rule, and
 * they hold whatever order the events arrive in (replicas write their batches concurrently, and a redelivery comes
 * late):
 * - a terminal status is final: nothing changes a finished job, and a terminal event always lands on an unfinished
 *   one, even after a later event of its job was written first (DESIGN.md: "terminal states stay terminal");
 * - except after an explicit retry: a `queued` event with `data.retry = n` reopens a failed or cancelled job when
 *   n is above its `retries`. It resets the run's fields and moves every guard to its own sequence, so the new
 *   run's events apply and nothing of an earlier run (a late redelivery, a zombie worker's terminal event) does;
 * - `started`/`retrying` apply only when newer than the last status change, progress only when newer than the last
 *   progress, `queued`/`log` (which only move `seq`) only when newer than `seq`. So a replay is a no-op, and a late
 *   `started` is not lost because a later progress event of the same job was written before it;
 * - `seq` only grows;
 * - a job of another tenant never matches, whatever the event claims.
 */
export function jobUpdatesOf({ seq, event }: SequencedEvent, now: Date): JobUpdate[] {
  const at = new Date(event.at);
  const owned = { _id: event.jobId, tenantId: event.tenantId };
  const filter: Filter<JobRecord> = { ...owned, status: { $nin: TERMINAL } };
  const set: Record<string, unknown> = { updatedAt: now };
  switch (event.kind) {
    case "queued":
      Object.assign(filter, { seq: { $lt: seq } });
      if (event.data.retry === undefined) break;
      // The reopen goes first; when it applies, the update below no longer matches (`seq` has moved). On a job that
      // is not finished the retry only moves `seq`, and its count is kept, so a late replay of it cannot reopen.
      return [
        reopenOf(owned, seq, event.data.retry, now),
        { filter, update: { $set: set, $max: { seq, retries: event.data.retry } } },
      ];
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
      Object.assign(filter, olderThan(GUARD_FIELDS.run, seq));
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
      Object.assign(filter, olderThan(GUARD_FIELDS.run, seq));
      Object.assign(set, {
        status: "failed",
        lastError: event.data.error,
        finishedAt: at,
        [GUARD_FIELDS.status]: seq,
      });
      break;
    case "cancelled":
      Object.assign(filter, olderThan(GUARD_FIELDS.run, seq));
      Object.assign(set, { status: "cancelled", finishedAt: at, [GUARD_FIELDS.status]: seq });
      break;
  }
  return [{ filter, update: { $set: set, $max: { seq } } }];
}

/** The n-th explicit retry, at stream sequence `seq`: a failed or cancelled job starts a new run. */
function reopenOf(owned: Filter<JobRecord>, seq: number, retry: number, now: Date): JobUpdate {
  return {
    filter: {
      ...owned,
      status: { $in: REOPENABLE },
      retries: { $not: { $gte: retry } },
      ...olderThan(GUARD_FIELDS.status, seq),
    },
    update: {
      $set: {
        status: "queued",
        retries: retry,
        attempt: 0,
        lastError: null,
        resultRefs: null,
        startedAt: null,
        finishedAt: null,
        progress: { pct: 0 },
        updatedAt: now,
        [GUARD_FIELDS.status]: seq,
        [GUARD_FIELDS.progress]: seq,
        [GUARD_FIELDS.run]: seq,
      },
      $max: { seq },
    },
  };
}

/**
 * Projects a batch of events: one unordered insert into `job_events` (a replayed event hits the unique `_id` and is
 * skipped), then one ordered bulk of guarded updates on `jobs`, then, for each explicit retry in the batch, a catch-up
 * of its job's later events. All idempotent, so the whole batch can be retried after any failure. Returns how many
 * job record updates changed something.
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
  let changed = await updateJobs(collections, events, now);
  for (const retry of events.filter(isRetry)) changed += await catchUpAfter(collections, retry, now);
  return changed;
}

async function updateJobs(
  collections: Pick<Collections, "jobs">,
  events: readonly SequencedEvent[],
  now: Date,
): Promise<number> {
  if (events.length === 0) return 0;
  // Ordered: several events of one job in a batch must apply in sequence order.
  const ops: AnyBulkWriteOperation<JobRecord>[] = coalesceProgress(events).flatMap((e) =>
    jobUpdatesOf(e, now).map((updateOne) => ({ updateOne })),
  );
  return (await bulkWriteInSlices(collections.jobs, ops, { ordered: true })).modifiedCount;
}

const isRetry = ({ event }: SequencedEvent) => event.kind === "queued" && event.data.retry !== undefined;

/**
 * After a retry: events of the new run that another replica wrote before the retry reopened the job were refused
 * (the job was still finished). Every batch stores its events before it updates the jobs, so they are in
 * `job_events` by now: apply the job's events after the retry again. Idempotent, and rare (explicit retries only).
 */
async function catchUpAfter(
  collections: Pick<Collections, "jobs" | "jobEvents">,
  retry: SequencedEvent,
  now: Date,
): Promise<number> {
  const later = await collections.jobEvents
    .find({ jobId: retry.event.jobId, _id: { $gt: retry.seq } })
    .sort({ _id: 1 })
    .toArray();
  const events = later.flatMap((record): SequencedEvent[] => {
    // `job_events` does not keep the job type, which no projection rule reads.
    const parsed = JobEvent.safeParse({
      ...record,
      type: retry.event.type,
      at: record.at.toISOString(),
    });
    return parsed.success && parsed.data.tenantId === retry.event.tenantId
      ? [{ seq: record._id, event: parsed.data }]
      : [];
  });
  return updateJobs(collections, events, now);
}

function isOnlyDuplicateKeys(err: unknown): boolean {
  if (!(err instanceof MongoBulkWriteError) || err.result.getWriteConcernError()) return false;
  const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY);
}
