import type { JobView } from "@ai-jobs/contracts";
import type { WatchEvent } from "@ai-jobs/sdk";

const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

export const isTerminal = (status: string): boolean => TERMINAL.has(status);

/**
 * A job as one SSE event changes it: `meta` its status, `progress` its progress, `result` its result, `error` its
 * last error. The record the API answers later is the authority; this keeps the list live until then.
 */
export function applyEvent(job: JobView, event: WatchEvent): JobView {
  const at = new Date().toISOString();
  switch (event.type) {
    case "meta":
      return {
        ...job,
        status: event.status,
        updated_at: at,
        ...(event.status === "running" && !job.started_at ? { started_at: at } : {}),
        ...(isTerminal(event.status) && !job.finished_at ? { finished_at: at } : {}),
        ...(event.status === "succeeded" ? { progress: { ...job.progress, pct: 100 } } : {}),
      };
    case "progress":
      return {
        ...job,
        updated_at: at,
        progress: {
          pct: event.pct ?? job.progress.pct,
          step: event.step ?? job.progress.step,
          message: event.message,
        },
      };
    case "result":
      return { ...job, updated_at: at, result_refs: event.result };
    case "error":
      return { ...job, updated_at: at, last_error: { code: event.code, message: event.message } };
  }
}

/** Newest first: job ids are ULIDs, which sort by creation time. */
const newestFirst = (a: JobView, b: JobView) => (a.job_id < b.job_id ? 1 : a.job_id > b.job_id ? -1 : 0);

/** The list with this job put in (or replaced), or taken out when it no longer belongs there. */
export function upsert(jobs: readonly JobView[], job: JobView, belongs: boolean): JobView[] {
  const rest = jobs.filter((j) => j.job_id !== job.job_id);
  return belongs ? [...rest, job].sort(newestFirst) : rest;
}
