import type { JobRecord, JobStatus, Priority, Queue } from "@ai-jobs/contracts";
import type { Collections, JobEventRecord, JobReader } from "@ai-jobs/runtime";

/** The job as the gateway reads it: the projected record with the events not projected yet (`JobReader`). */
export type StoredJob = JobRecord;

export interface JobListFilter {
  status?: JobStatus | undefined;
  type?: string | undefined;
  queue?: Queue | undefined;
  priority?: Priority | undefined;
  /** Created at or after this time. */
  since?: Date | undefined;
  /** Created before this time. */
  until?: Date | undefined;
  /** Only jobs with an id below this one (the previous page's last id). */
  before?: string | undefined;
  limit: number;
}

/**
 * Reading jobs. The gateway never writes a job record: a job is its events in JetStream, and the events projector is
 * the one writer of `jobs`. A single job is read through `JobReader` (current to the last stored event); lists and
 * histories come from the projection, which lags by however long the projector takes. Every query carries the
 * tenant id.
 */
export interface JobRepository {
  findById(tenantId: string, jobId: string): Promise<StoredJob | null>;
  /** Newest first (ids sort by creation time). */
  list(tenantId: string, filter: JobListFilter): Promise<JobRecord[]>;
  /** The job's stored events in stream order. */
  events(tenantId: string, jobId: string, limit: number): Promise<JobEventRecord[]>;
}

type JobFilter = NonNullable<Parameters<Collections["jobs"]["find"]>[0]>;

export function createJobRepository(c: Collections, reader: JobReader): JobRepository {
  return {
    findById: (tenantId, jobId) => reader.find(tenantId, jobId),
    list(tenantId, { status, type, queue, priority, since, until, before, limit }) {
      const filter: JobFilter = { tenantId };
      if (status !== undefined) filter.status = status;
      if (type !== undefined) filter.type = type;
      if (queue !== undefined) filter.queue = queue;
      if (priority !== undefined) filter.priority = priority;
      if (since !== undefined || until !== undefined) {
        filter.createdAt = { ...(since ? { $gte: since } : {}), ...(until ? { $lt: until } : {}) };
      }
      if (before !== undefined) filter._id = { $lt: before };
      return c.jobs.find(filter).sort({ _id: -1 }).limit(limit).toArray();
    },
    events(tenantId, jobId, limit) {
      return c.jobEvents.find({ jobId, tenantId }).sort({ _id: 1 }).limit(limit).toArray();
    },
  };
}
