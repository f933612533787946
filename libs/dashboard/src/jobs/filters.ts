import { JOB_STATUSES, JOB_TYPE_NAMES, type JobView, PRIORITIES, QUEUES } from "@ai-jobs/contracts";
import type { JobQuery } from "../api/client.js";

/** How far back the list reaches by `created_at`. */
export const WITHIN: Readonly<Record<string, { label: string; ms: number }>> = {
  "15m": { label: "last 15 min", ms: 15 * 60_000 },
  "1h": { label: "last hour", ms: 60 * 60_000 },
  "24h": { label: "last 24 h", ms: 24 * 60 * 60_000 },
  "7d": { label: "last 7 days", ms: 7 * 24 * 60 * 60_000 },
};

/** The jobs list's filters, as they stand in the page's hash (`#/jobs?status=failed&within=1h`). */
export interface JobFilters {
  status?: string | undefined;
  type?: string | undefined;
  queue?: string | undefined;
  priority?: string | undefined;
  within?: string | undefined;
}

export const FILTER_CHOICES = {
  status: JOB_STATUSES,
  type: JOB_TYPE_NAMES,
  queue: QUEUES,
  priority: PRIORITIES,
  within: Object.keys(WITHIN),
} as const satisfies Record<keyof JobFilters, readonly string[]>;

/** The filters a hash query names, each kept only when it is one of its choices. */
export function filtersOf(query: Record<string, string>): JobFilters {
  const filters: JobFilters = {};
  for (const key of Object.keys(FILTER_CHOICES) as Array<keyof JobFilters>) {
    const value = query[key];
    if (value && (FILTER_CHOICES[key] as readonly string[]).includes(value)) filters[key] = value;
  }
  return filters;
}

/** The `GET /jobs/` query of the filters, the time window counted back from `now`. */
export function toJobQuery(filters: JobFilters, now: number): JobQuery {
  const window = filters.within ? WITHIN[filters.within] : undefined;
  return {
    status: filters.status,
    type: filters.type,
    queue: filters.queue,
    priority: filters.priority,
    since: window ? new Date(now - window.ms).toISOString() : undefined,
  };
}

/** Whether a job belongs in the filtered list (a live update can take it out, or bring it in). */
export function matches(filters: JobFilters, job: JobView, now: number): boolean {
  if (filters.status && job.status !== filters.status) return false;
  if (filters.type && job.type !== filters.type) return false;
  if (filters.queue && job.queue !== filters.queue) return false;
  if (filters.priority && job.priority !== filters.priority) return false;
  const window = filters.within ? WITHIN[filters.within] : undefined;
  return !window || Date.parse(job.created_at) >= now - window.ms;
}
