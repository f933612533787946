import type { JobView } from "@ai-jobs/contracts";
import { describeError, isUnauthorized } from "../api/errors.js";

export type BulkKind = "cancel" | "retry";

/** Which statuses each bulk action applies to (docs/API.md: cancel while not finished, retry once failed/cancelled). */
export const ELIGIBLE: Readonly<Record<BulkKind, ReadonlySet<string>>> = {
  cancel: new Set(["queued", "running", "retrying"]),
  retry: new Set(["failed", "cancelled"]),
};

export interface BulkOutcome {
  done: JobView[];
  failed: Array<{ jobId: string; reason: string }>;
  /** A 401 stopped the run: the session is over. */
  unauthorized: unknown;
}

/** How many requests run at once: a bulk action must not trip the caller's rate limit. */
const CONCURRENCY = 4;

/** Runs the action on every job, a few at a time; each job's failure is kept with its reason, a 401 stops the run. */
export async function runBulk(ids: readonly string[], act: (id: string) => Promise<JobView>): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { done: [], failed: [], unauthorized: undefined };
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined && !outcome.unauthorized; id = queue.shift()) {
      try {
        outcome.done.push(await act(id));
      } catch (err) {
        if (isUnauthorized(err)) outcome.unauthorized = err;
        else outcome.failed.push({ jobId: id, reason: describeError(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return outcome;
}

/** One line for the user: `Cancelled 3 of 4 jobs; 1 failed: 01K…: job already finished (409)`. */
export function summarize(kind: BulkKind, total: number, outcome: BulkOutcome): string {
  const verb = kind === "cancel" ? "Cancelled" : "Retried";
  const head = `${verb} ${outcome.done.length} of ${total} job${total === 1 ? "" : "s"}`;
  if (outcome.failed.length === 0) return `${head}.`;
  const first = outcome.failed.slice(0, 3).map((f) => `${f.jobId}: ${f.reason}`);
  const more = outcome.failed.length > 3 ? `; and ${outcome.failed.length - 3} more` : "";
  return `${head}; ${outcome.failed.length} failed: ${first.join("; ")}${more}`;
}
