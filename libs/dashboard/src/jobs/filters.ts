import {
  JOB_STATUSES,
  JOB_TYPE_NAMES,
  type JobStatus,
  type JobView,
  PRIORITIES,
  type Priority,
  QUEUES,
  type Queue,
} from "@ai-jobs/contracts";
import type { JobListFilter } from "@ai-jobs/sdk";

/** How far back the list reaches by `created_at`. */
export const WITHIN: Readonly<Record<string, { label: string; ms: number }>> = {
  "15m": { label: "last 15 min", ms: 15 * 60_000 },
  "1h": { label: "last hour", ms: 60 * 60_000 },
  "24h": { label: "last 24 h", ms: 24 * 60 * 60_000 },
  "7d": { label: "last 7 days", ms: 7 * 24 * 60 * 60_000 },
};

/** The jobs list's filters, as they stand in the page's hash (`#/jobs?status=failed&within=1h`). */
export interface JobFilters {
  status?: JobStatus | undefined;
  type?: string | undefined;
  queue?: Queue | undefined;
  priority?: Priority | undefined;
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
  const pick = <T extends string>(choices: readonly T[], value: string | undefined): T | undefined =>
    choices.find((c) => c === value);
  const filters: JobFilters = {
    status: pick(FILTER_CHOICES.status, query.status),
    type: pick(FILTER_CHOICES.type, query.type),
    queue: pick(FILTER_CHOICES.queue, query.queue),
    priority: pick(FILTER_CHOICES.priority, query.priority),
    within: pick(FILTER_CHOICES.within, query.within),
  };
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
}

/** The `GET /jobs/` query of the filters, the time window counted back from `now`. */
export function toJobQuery(filters: JobFilters, now: number): JobListFilter {
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
