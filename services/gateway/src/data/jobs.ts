import type { JobRecord, JobStatus } from "@ai-jobs/contracts";
import type { Collections, JobEventRecord } from "@ai-jobs/runtime";

/**
 * An explicit retry that the events projector has not applied yet: the job is still `failed`/`cancelled` in the
 * record, but its `queued` event (`data.retry = n`) is on the way. `ofSeq` is the status sequence (`statusSeq`,
 * else `seq`) of the terminal state that was retried; once the projector applies anything newer (it reopens the
 * job and sets `retries = n` itself) the marker is stale.
 */
export interface RetryRequest {
  n: number;
  at: Date;
  ofSeq: number;
}

/** The job record as the gateway stores it: the contract's fields plus the pending retry marker. */
export type StoredJob = JobRecord & { retryRequest?: RetryRequest | null };

export interface JobListFilter {
  status?: JobStatus | undefined;
  type?: string | undefined;
  /** Only jobs with an id below this one (the previous page's last id). */
  before?: string | undefined;
  limit: number;
}

export interface RetryStart {
  /** The retry marker that was read (or none): the update only applies while it is unchanged. */
  expected: RetryRequest | null;
  request: RetryRequest;
}

/**
 * The `jobs` collection as the gateway uses it. It creates records; after that the events projector owns `status`,
 * `retries` and everything else derived from events. The gateway only writes what no event carries: `dispatchedAt`,
 * `cancelRequestedAt` and the retry marker. Every query carries the tenant id.
 */
export interface JobRepository {
  insert(job: JobRecord): Promise<void>;
  findById(tenantId: string, jobId: string): Promise<StoredJob | null>;
  /** Newest first (ids sort by creation time). */
  list(tenantId: string, filter: JobListFilter): Promise<JobRecord[]>;
  /** The job's stored events in stream order. */
  events(tenantId: string, jobId: string, limit: number): Promise<JobEventRecord[]>;
  /** Records that the command is in JetStream, so the reconciler leaves the job alone. */
  markDispatched(tenantId: string, jobId: string, at: Date): Promise<void>;
  /** Only for a job that was never accepted (its command was refused): nothing else refers to it yet. */
  remove(tenantId: string, jobId: string): Promise<void>;
  /**
   * Sets `cancelRequestedAt` unless it is set already or the job has finished. Returns the record as it is after,
   * or null when there is no such job.
   */
  requestCancel(tenantId: string, jobId: string, at: Date): Promise<StoredJob | null>;
  /**
   * Starts an explicit retry of a failed or cancelled job: `cancelRequestedAt` and `dispatchedAt` reset, the retry
   * marker set. A compare-and-set on the marker and the status, so on MongoDB of concurrent retries exactly one wins
   * (FerretDB does not serialise it). Returns the record after the update, or null when another request was first.
   */
  startRetry(tenantId: string, jobId: string, start: RetryStart): Promise<StoredJob | null>;
  /** Takes the retry marker back when the retry could not be announced, so the client can try again at once. */
  abandonRetry(tenantId: string, jobId: string, request: RetryRequest): Promise<void>;
}

type JobFilter = NonNullable<Parameters<Collections["jobs"]["find"]>[0]>;

const RETRYABLE: JobStatus[] = ["failed", "cancelled"];
const TERMINAL: JobStatus[] = ["succeeded", "failed", "cancelled"];

export function createJobRepository(c: Collections): JobRepository {
  const findById = (tenantId: string, jobId: string) => c.jobs.findOne<StoredJob>({ _id: jobId, tenantId });
  return {
    async insert(job) {
      await c.jobs.insertOne(job);
    },
    findById,
    list(tenantId, { status, type, before, limit }) {
      const filter: JobFilter = { tenantId };
      if (status !== undefined) filter.status = status;
      if (type !== undefined) filter.type = type;
      if (before !== undefined) filter._id = { $lt: before };
      return c.jobs.find(filter).sort({ _id: -1 }).limit(limit).toArray();
    },
    events(tenantId, jobId, limit) {
      return c.jobEvents.find({ jobId, tenantId }).sort({ _id: 1 }).limit(limit).toArray();
    },
    async markDispatched(tenantId, jobId, at) {
      await c.jobs.updateOne({ _id: jobId, tenantId, dispatchedAt: null }, { $set: { dispatchedAt: at } });
    },
    async remove(tenantId, jobId) {
      await c.jobs.deleteOne({ _id: jobId, tenantId });
    },
    async requestCancel(tenantId, jobId, at) {
      // `cancelRequestedAt: null` also matches a record without the field: the first request's time is kept.
      await c.jobs.updateOne(
        { _id: jobId, tenantId, status: { $nin: TERMINAL }, cancelRequestedAt: null },
        { $set: { cancelRequestedAt: at } },
      );
      return findById(tenantId, jobId);
    },
    async startRetry(tenantId, jobId, { expected, request }) {
      // `retryRequest: null` also matches a record without the field.
      const result = await c.jobs.updateOne(
        { _id: jobId, tenantId, status: { $in: RETRYABLE }, retryRequest: expected },
        { $set: { cancelRequestedAt: null, dispatchedAt: null, retryRequest: request } },
      );
      return result.matchedCount === 1 ? findById(tenantId, jobId) : null;
    },
    async abandonRetry(tenantId, jobId, request) {
      await c.jobs.updateOne({ _id: jobId, tenantId, retryRequest: request }, { $set: { retryRequest: null } });
    },
  };
}
