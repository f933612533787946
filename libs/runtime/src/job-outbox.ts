import type { Collection } from "mongodb";
import type { JobOutboxEntry } from "./mongo.js";
import { isDuplicateKey } from "./mongo-errors.js";

/**
 * The dispatches NATS could not take (`job_outbox`): written by whoever accepted the job, published later by the
 * events reconciler, then released. It stays empty while NATS is healthy, so its scans are cheap.
 */
export interface JobOutbox {
  /** Keeps a dispatch for later. Holding the same dispatch twice keeps one entry. */
  hold(entry: JobOutboxEntry): Promise<void>;
  release(id: string): Promise<void>;
  /** Entries created before `before`, oldest first. */
  due(before: Date, limit: number): Promise<JobOutboxEntry[]>;
  get(id: string): Promise<JobOutboxEntry | null>;
  /** The held first run of a job of this tenant, if any. */
  find(tenantId: string, jobId: string): Promise<JobOutboxEntry | null>;
}

export function createJobOutbox(outbox: Collection<JobOutboxEntry>): JobOutbox {
  return {
    async hold(entry) {
      try {
        await outbox.insertOne(entry);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    },
    async release(id) {
      await outbox.deleteOne({ _id: id });
    },
    due(before, limit) {
      return outbox
        .find({ createdAt: { $lt: before } })
        .sort({ createdAt: 1 })
        .limit(limit)
        .toArray();
    },
    get(id) {
      return outbox.findOne({ _id: id });
    },
    find(tenantId, jobId) {
      return outbox.findOne({ _id: jobId, tenantId });
    },
  };
}
