import type { JobEvent, JobEventOf, QueuedJobSpec } from "./events.js";
import { isTerminal, type JobRecord } from "./job.js";
import { isJobType, JOB_TYPES } from "./job-types/index.js";

/** A job event with its JOB_EVENTS sequence (its id, and the order of the job's history). */
export interface SequencedEvent {
  seq: number;
  event: JobEvent;
}

/** The user of a record started by an event that overtook its `queued` event: its spec has not been merged yet. */
const STUB_USER = "";

/** True when `guard` (a sequence already applied) is missing or older than `seq`. */
const olderThan = (guard: number | undefined, seq: number) => guard === undefined || guard < seq;

/**
 * The projection rules: the job record after one event. Pure, so the events projector (which writes the result) and
 * every reader (which overlays the events the projector has not applied yet) apply the very same rules. Applying an
 * event twice, or applying a job's events in any order, ends in the same record, because each rule is guarded by a
 * sequence rather than by arrival order:
 * - a terminal status is final: nothing changes a finished job, and a terminal event always lands on an unfinished
 *   one, even after a later event of its job was applied first;
 * - except after an explicit retry: a `queued` event with `data.retry = n` above `retries` starts a new run at its
 *   sequence: it resets the run and moves every guard to its own sequence, so the new run's events apply and nothing
 *   of an earlier run (a late redelivery, a zombie worker's terminal event) does. Events of the new run met before
 *   it must be folded in again after it (the projector does: `withCatchUp`);
 * - `started`/`retrying` apply only when newer than the last status change, progress only when newer than the last
 *   progress, `queued`/`log` (which only move `seq`) only when newer than `seq`;
 * - a `queued` event's spec (`data.job`: payload, queue, priority, …) describes the job itself and never changes: a
 *   record first created from a later event (its `queued` still on the way) gets it when it comes;
 * - a progress event of the run that ended, or the start of that run's latest attempt, still counts when met after
 *   the end (out of order); progress that omits `pct` or `step` keeps whichever was applied before it;
 * - `seq` only grows, and `updatedAt` is the time of the latest event applied.
 * Returns the same object when the event changes nothing, else a new one (the input is never modified).
 */
export function foldJobEvent(record: JobRecord | undefined, { seq, event }: SequencedEvent): JobRecord {
  let job = record ?? recordOf(event);
  if (event.kind === "queued" && event.data.job && job.userId === STUB_USER) job = withSpec(job, event, event.data.job);
  if (event.kind === "queued" && event.data.retry === undefined) job = withDispatchedAt(job, new Date(event.at));
  if (isTerminal(job.status)) {
    if (event.kind === "progress" && finishedRunProgress(job, seq)) return withProgressOf(job, seq, event);
    if (
      event.kind === "started" &&
      olderThan(job.runSeq, seq) &&
      seq < (job.statusSeq ?? 0) &&
      event.attempt > job.attempt
    ) {
      return { ...job, attempt: event.attempt, startedAt: new Date(event.at) };
    }
    if (!(event.kind === "queued" && event.data.retry !== undefined)) return job;
  }
  const at = new Date(event.at);
  const applied = (changes: Partial<JobRecord>): JobRecord => ({
    ...job,
    ...changes,
    seq: Math.max(job.seq, seq),
    updatedAt: at > job.updatedAt ? at : job.updatedAt,
  });
  switch (event.kind) {
    case "queued": {
      const retry = event.data.retry;
      // A success before the retry is final: the gateway never retries one, and a stray event must not undo it.
      const succeededBefore = job.status === "succeeded" && olderThan(job.statusSeq, seq);
      if (retry !== undefined && (job.retries ?? 0) < retry && olderThan(job.runSeq, seq) && !succeededBefore) {
        // A new run starts at this sequence, whatever the record says: a retry is only made of a finished job, so an
        // unfinished record means events of the new run were met first. Those are folded in again by whoever holds
        // them (the projector reads them back from `job_events`; a reader folds in sequence order anyway).
        return applied({
          status: "queued",
          retries: retry,
          attempt: 0,
          lastError: null,
          resultRefs: null,
          startedAt: null,
          finishedAt: null,
          progress: { pct: 0 },
          statusSeq: seq,
          progressSeq: seq,
          runSeq: seq,
        });
      }
      if (isTerminal(job.status) || seq <= job.seq) return job;
      return applied({});
    }
    case "log":
      return seq <= job.seq ? job : applied({});
    case "started":
      if (olderThan(job.statusSeq, seq)) {
        return applied({ status: "running", attempt: event.attempt, startedAt: at, statusSeq: seq });
      }
      // The status moved on already (met out of order), but this run's latest attempt and its start still count.
      if (olderThan(job.runSeq, seq) && event.attempt > job.attempt) {
        return applied({ attempt: event.attempt, startedAt: at });
      }
      return job;
    case "retrying":
      if (!olderThan(job.statusSeq, seq)) return job;
      return applied({ status: "retrying", lastError: event.data.error, statusSeq: seq });
    case "progress": {
      if (!olderThan(job.progressSeq, seq)) return job;
      const { pct, step, message } = event.data;
      return applied({
        progress: {
          ...job.progress,
          ...(pct === undefined ? {} : { pct }),
          ...(step === undefined ? {} : { step }),
          message,
        },
        progressSeq: seq,
      });
    }
    case "succeeded":
      if (!olderThan(job.runSeq, seq)) return job;
      return applied({
        status: "succeeded",
        progress: { ...job.progress, pct: 100 },
        resultRefs: event.data.result,
        lastError: null,
        finishedAt: at,
        statusSeq: Math.max(job.statusSeq ?? 0, seq),
      });
    case "failed":
      if (!olderThan(job.runSeq, seq)) return job;
      return applied({
        status: "failed",
        lastError: event.data.error,
        finishedAt: at,
        statusSeq: Math.max(job.statusSeq ?? 0, seq),
      });
    case "cancelled":
      if (!olderThan(job.runSeq, seq)) return job;
      return applied({ status: "cancelled", finishedAt: at, statusSeq: Math.max(job.statusSeq ?? 0, seq) });
  }
}

/**
 * A progress event of the run that ended, met after its end (out of order): it still tells how far that run got.
 * Anything after the end (a zombie worker) never applies.
 */
const finishedRunProgress = (job: JobRecord, seq: number) =>
  olderThan(job.progressSeq, seq) && olderThan(job.runSeq, seq) && seq < (job.statusSeq ?? 0);

/** The progress of a finished job with an earlier progress event of its run: a succeeded job stays at 100 %. */
function withProgressOf(job: JobRecord, seq: number, event: JobEventOf<"progress">): JobRecord {
  const { pct, step, message } = event.data;
  return {
    ...job,
    progress: {
      ...job.progress,
      ...(pct === undefined || job.status === "succeeded" ? {} : { pct }),
      ...(step === undefined ? {} : { step }),
      message,
    },
    progressSeq: seq,
  };
}

/** Folds events in sequence order onto a record (or onto nothing). Undefined only for no record and no events. */
export function foldJobEvents(record: JobRecord | undefined, events: readonly SequencedEvent[]): JobRecord | undefined {
  let job = record;
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) job = foldJobEvent(job, e);
  return job;
}

/**
 * The record an event starts when there is none yet: from a `queued` event's spec, or, for an event that overtook
 * its `queued` (applied out of order), a record with the registry's defaults that the `queued` spec completes later.
 */
function recordOf(event: JobEvent): JobRecord {
  const at = new Date(event.at);
  const registered = isJobType(event.type) ? JOB_TYPES[event.type] : undefined;
  return {
    _id: event.jobId,
    tenantId: event.tenantId,
    userId: STUB_USER,
    type: event.type,
    queue: registered?.queue ?? "ai_generation",
    priority: "normal",
    status: "queued",
    progress: { pct: 0 },
    attempt: 0,
    maxAttempts: registered?.maxAttempts ?? 1,
    payload: {},
    resultRefs: null,
    lastError: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    dispatchedAt: null,
    traceId: null,
    idempotencyKey: null,
    runAt: null,
    retries: 0,
    webhook: null,
    seq: 0,
  };
}

/** The record with the job's own fields as its `queued` event describes them. */
function withSpec(job: JobRecord, event: JobEventOf<"queued">, spec: QueuedJobSpec): JobRecord {
  return {
    ...job,
    userId: spec.userId,
    queue: spec.queue,
    priority: spec.priority,
    payload: spec.payload,
    maxAttempts: spec.maxAttempts,
    createdAt: new Date(spec.createdAt),
    traceId: spec.traceId,
    webhook: spec.webhookUrl ? { url: spec.webhookUrl } : null,
    idempotencyKey: spec.idempotencyKey,
    runAt: event.data.runAt ? new Date(event.data.runAt) : (job.runAt ?? null),
  };
}

/** When the job was first announced: its first run's `queued` event, however late that was met. */
const withDispatchedAt = (job: JobRecord, at: Date): JobRecord =>
  job.dispatchedAt && job.dispatchedAt <= at ? job : { ...job, dispatchedAt: at };
