import type { SequencedEvent } from "./sequenced-event.js";

type ProgressEvent = SequencedEvent & { event: { kind: "progress" } };

const isProgress = (e: SequencedEvent): e is ProgressEvent => e.event.kind === "progress";

/** True when applying `later` leaves no field of `earlier` standing: it sets everything `earlier` sets. */
function overwrites(later: ProgressEvent, earlier: ProgressEvent): boolean {
  const a = earlier.event.data;
  const b = later.event.data;
  return (a.pct === undefined || b.pct !== undefined) && (a.step === undefined || b.step !== undefined);
}

/**
 * Drops the job-record update of a progress event when the next event of the same job in the batch is a progress
 * event that overwrites all of its fields. Applying both in order and applying only the later one give the same
 * record: both carry the same guards (unfinished job, newer than the last progress), and when the later one is
 * refused the earlier one, older still, is refused too. A backlog of a busy job then costs one update, not one per
 * event, which matters most on FerretDB, where every guarded update scans the collection. Events keep their order;
 * `job_events` still stores every one of them.
 */
export function coalesceProgress(events: readonly SequencedEvent[]): SequencedEvent[] {
  const nextOfJob = new Map<string, SequencedEvent>();
  const kept: SequencedEvent[] = [];
  // Walk backwards, so the next event of each job is known when an event is looked at.
  for (let i = events.length - 1; i >= 0; i--) {
    const current = events[i];
    if (current === undefined) continue;
    const next = nextOfJob.get(current.event.jobId);
    nextOfJob.set(current.event.jobId, current);
    if (next && isProgress(current) && isProgress(next) && overwrites(next, current)) continue;
    kept.push(current);
  }
  return kept.reverse();
}
