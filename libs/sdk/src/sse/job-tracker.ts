import { isTerminal, type JobStatus } from "@ai-jobs/contracts";
import type { WatchEvent } from "./events.js";
import type { StreamTracker } from "./stream.js";

/**
 * The watched jobs' statuses, from their `meta` events: a stream the server ended is over once every job's latest
 * status is terminal (`succeeded`, `failed`, `cancelled`; a retry's `queued` reopens a job, as on the server, so a
 * `cancelled` in the history of a job retried since does not end it). A terminal `meta` repeating the job's current
 * status is a repeat (the server's stand-in for a finished job whose events have aged out is sent again on each
 * connection), so it is skipped.
 */
export class JobTracker implements StreamTracker {
  private readonly statuses: Map<string, JobStatus | undefined>;

  constructor(jobIds: readonly string[]) {
    this.statuses = new Map(jobIds.map((id) => [id, undefined]));
  }

  isNew(event: WatchEvent): boolean {
    if (event.type !== "meta") return true;
    const current = this.statuses.get(event.job_id);
    return !(current !== undefined && current === event.status && isTerminal(current));
  }

  apply(event: WatchEvent): void {
    if (event.type === "meta" && this.statuses.has(event.job_id)) this.statuses.set(event.job_id, event.status);
  }

  finished(): boolean {
    return [...this.statuses.values()].every((status) => status !== undefined && isTerminal(status));
  }

  /** Each job's latest status seen. */
  snapshot(): ReadonlyMap<string, JobStatus | undefined> {
    return this.statuses;
  }
}
