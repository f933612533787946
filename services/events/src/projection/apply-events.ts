import { foldJobEvents, JobEvent, type JobRecord, type SequencedEvent } from "@ai-jobs/contracts";
import { type JobEventRecord, mapBounded } from "@ai-jobs/runtime";
import type { JobProjectionRepository } from "../data/job-projection.js";
import type { RecordCache } from "./record-cache.js";

export type { SequencedEvent };

/** Record reads and writes in flight at once for one batch. */
const WRITE_CONCURRENCY = 16;
/** Compare-and-set rounds for one record before the batch is failed (and retried whole). */
const MAX_WRITE_ROUNDS = 5;

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
 * Projects a batch of events: one unordered insert into `job_events` (a replayed event hits the unique `_id` and is
 * skipped), then at most one write per job, keyed by `_id`: the job's events of the batch folded in memory
 * (`foldJobEvents`, the rules every reader applies too) onto its record, from `cache` or read by `_id`. A new job's
 * record (created by its `queued` event) goes into one `insertMany`; a changed one is replaced under a
 * compare-and-set on its `rev`, so two projectors overlapping for a moment (a failover) cannot overwrite each
 * other: the loser reads the record again and folds again. No filter but `_id` (and `rev`) is sent, so nothing
 * scans on FerretDB. All idempotent: the whole batch can be retried after any failure. Returns how many records
 * changed.
 */
export async function applyEvents(
  projection: JobProjectionRepository,
  events: readonly SequencedEvent[],
  cache?: RecordCache,
): Promise<number> {
  if (events.length === 0) return 0;
  await projection.insertEvents(events.map(eventRecordOf));

  const byJob = new Map<string, SequencedEvent[]>();
  for (const e of events) {
    const list = byJob.get(e.event.jobId);
    if (list) list.push(e);
    else byJob.set(e.event.jobId, [e]);
  }

  let changed = 0;
  const creates: Array<{ jobEvents: SequencedEvent[]; record: JobRecord }> = [];
  const updates: Array<{ jobEvents: SequencedEvent[]; base: JobRecord }> = [];
  const unknown: SequencedEvent[][] = [];
  for (const jobEvents of byJob.values()) {
    const first = jobEvents[0];
    if (!first) continue;
    const cached = cache?.get(first.event.jobId);
    if (cached) updates.push({ jobEvents, base: cached });
    // A job announced in this batch is new unless the batch is a replay: try to create it, fall back on a clash.
    else if (jobEvents.some(({ event }) => event.kind === "queued" && event.data.job)) {
      const record = foldJobEvents(undefined, jobEvents);
      if (record) creates.push({ jobEvents, record: { ...record, rev: 1 } });
    } else unknown.push(jobEvents);
  }

  const clashed: SequencedEvent[][] = [];
  if (creates.length > 0) {
    const failed = await projection.insertRecords(creates.map((c) => c.record));
    creates.forEach((c, i) => {
      if (failed.has(i)) clashed.push(c.jobEvents);
      else {
        cache?.set(c.record);
        changed += 1;
      }
    });
  }

  // One batch at a time per projector: nothing outside it could want these writes aborted.
  const never = new AbortController().signal;
  const read = await mapBounded([...unknown, ...clashed], WRITE_CONCURRENCY, never, async (jobEvents) =>
    foldAndWrite(projection, jobEvents, await readRecord(projection, jobEvents), cache),
  );
  const updated = await mapBounded(updates, WRITE_CONCURRENCY, never, ({ jobEvents, base }) =>
    foldAndWrite(projection, jobEvents, base, cache),
  );
  return changed + [...read, ...updated].reduce((sum, n) => sum + n, 0);
}

/** Folds a job's events onto `base` and writes the result if it changed, reading again after a lost race. */
async function foldAndWrite(
  projection: JobProjectionRepository,
  jobEvents: SequencedEvent[],
  base: JobRecord | null | "foreign",
  cache: RecordCache | undefined,
): Promise<number> {
  let current = base;
  for (let round = 1; round <= MAX_WRITE_ROUNDS; round++) {
    // An event on another tenant's subject never touches the job of that id.
    if (current === "foreign") return 0;
    const next = await withCatchUp(projection, foldJobEvents(current ?? undefined, jobEvents), jobEvents);
    if (!next || next === current) {
      if (current) cache?.set(current);
      return 0;
    }
    const written = { ...next, rev: (current?.rev ?? 0) + 1 };
    if (current ? await projection.replaceRecord(current, written) : await projection.insertRecord(written)) {
      cache?.set(written);
      return 1;
    }
    cache?.delete(jobEvents[0]?.event.jobId ?? "");
    current = await readRecord(projection, jobEvents);
  }
  throw new Error(`job record ${jobEvents[0]?.event.jobId} kept changing under the projection`);
}

/** The stored record of the events' job; "foreign" when that id is another tenant's job. */
async function readRecord(
  projection: JobProjectionRepository,
  jobEvents: SequencedEvent[],
): Promise<JobRecord | null | "foreign"> {
  const first = jobEvents[0];
  if (!first) return null;
  const stored = await projection.findRecord(first.event.jobId);
  if (stored && stored.tenantId !== first.event.tenantId) return "foreign";
  return stored;
}

/**
 * After an explicit retry reopened the job: events of the new run that were stored before the reopening (a batch
 * projected earlier, out of order) were refused then, because the job was still finished. Every batch stores its
 * events before it writes records, so they are in `job_events` now: fold them in too. Rare (explicit retries).
 */
async function withCatchUp(
  projection: JobProjectionRepository,
  record: JobRecord | undefined,
  jobEvents: SequencedEvent[],
): Promise<JobRecord | undefined> {
  const reopened = jobEvents.find(
    ({ seq, event }) => event.kind === "queued" && event.data.retry !== undefined && record?.runSeq === seq,
  );
  if (!record || !reopened) return record;
  const later = await projection.eventsAfter(record._id, reopened.seq);
  const events = later.flatMap((stored) => sequencedOf(stored, reopened.event.type, record.tenantId));
  return foldJobEvents(record, events);
}

/** A stored event as the fold takes it (`job_events` does not keep the job type, which no rule reads). */
function sequencedOf(stored: JobEventRecord, type: string, tenantId: string): SequencedEvent[] {
  if (stored.tenantId !== tenantId) return [];
  const event = { ...stored, type, at: stored.at.toISOString() } as unknown;
  const parsed = JobEvent.safeParse(event);
  return parsed.success ? [{ seq: stored._id, event: parsed.data }] : [];
}
