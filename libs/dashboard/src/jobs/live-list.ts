import type { JobStatus, JobView } from "@ai-jobs/contracts";
import type { StreamEvent } from "../api/client.js";

const STATUSES: ReadonlySet<string> = new Set<JobStatus>([
  "queued",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "cancelled",
]);
const TERMINAL: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

export const isTerminal = (status: string): boolean => TERMINAL.has(status);

/**
 * A job as one SSE message changes it: `meta` its status, `progress` its progress, `result` its result, `error` its
 * last error. The record the API answers later is the authority; this keeps the list live until then.
 */
export function applyEvent(job: JobView, event: StreamEvent): JobView {
  const { job_id: _, ...data } = event.data;
  const at = new Date().toISOString();
  switch (event.event) {
    case "meta": {
      const status = String(data.status);
      if (!STATUSES.has(status)) return job;
      return {
        ...job,
        status: status as JobStatus,
        updated_at: at,
        ...(status === "running" && !job.started_at ? { started_at: at } : {}),
        ...(isTerminal(status) && !job.finished_at ? { finished_at: at } : {}),
        ...(status === "succeeded" ? { progress: { ...job.progress, pct: 100 } } : {}),
      };
    }
    case "progress":
      return {
        ...job,
        updated_at: at,
        progress: {
          pct: typeof data.pct === "number" ? data.pct : job.progress.pct,
          step: typeof data.step === "string" ? data.step : job.progress.step,
          message: typeof data.message === "string" ? data.message : job.progress.message,
        },
      };
    case "result":
      return { ...job, updated_at: at, result_refs: data };
    case "error":
      return {
        ...job,
        updated_at: at,
        last_error: { code: String(data.code ?? "ERROR"), message: String(data.message) },
      };
    default:
      return job;
  }
}

/** Newest first: job ids are ULIDs, which sort by creation time. */
const newestFirst = (a: JobView, b: JobView) => (a.job_id < b.job_id ? 1 : a.job_id > b.job_id ? -1 : 0);

/** The list with this job put in (or replaced), or taken out when it no longer belongs there. */
export function upsert(jobs: readonly JobView[], job: JobView, belongs: boolean): JobView[] {
  const rest = jobs.filter((j) => j.job_id !== job.job_id);
  return belongs ? [...rest, job].sort(newestFirst) : rest;
}
