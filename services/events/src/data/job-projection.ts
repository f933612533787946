import type { JobRecord } from "@ai-jobs/contracts";
import {
  type Collections,
  duplicateKeyIndexes,
  isDuplicateKey,
  isOnlyDuplicateKeys,
  type JobEventRecord,
} from "@ai-jobs/runtime";

/**
 * The projection's writes: `job_events` and the job records, the events service being their only writer. No filter
 * but `_id` (and `rev`) is sent, so nothing scans on FerretDB; every write is idempotent.
 */
export interface JobProjectionRepository {
  /** One unordered insert; an event stored already (a replay hits the unique `_id`) is skipped. */
  insertEvents(events: readonly JobEventRecord[]): Promise<void>;
  /** One unordered insert of new records; answers the positions of those that existed already. */
  insertRecords(records: readonly JobRecord[]): Promise<Set<number>>;
  /** Inserts a record that did not exist; false when it does. */
  insertRecord(record: JobRecord): Promise<boolean>;
  /** Replaces `current` by `next` if nobody changed it since it was read (its `rev`); false when somebody did. */
  replaceRecord(current: JobRecord, next: JobRecord): Promise<boolean>;
  findRecord(jobId: string): Promise<JobRecord | null>;
  /** The stored events of a job after `seq`, oldest first. */
  eventsAfter(jobId: string, seq: number): Promise<JobEventRecord[]>;
}

export function createJobProjectionRepository(c: Pick<Collections, "jobs" | "jobEvents">): JobProjectionRepository {
  return {
    async insertEvents(events) {
      try {
        await c.jobEvents.insertMany([...events], { ordered: false });
      } catch (err) {
        if (!isOnlyDuplicateKeys(err)) throw err;
      }
    },
    async insertRecords(records) {
      try {
        await c.jobs.insertMany([...records], { ordered: false });
        return new Set();
      } catch (err) {
        if (!isOnlyDuplicateKeys(err)) throw err;
        return new Set(duplicateKeyIndexes(err));
      }
    },
    async insertRecord(record) {
      try {
        await c.jobs.insertOne(record);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async replaceRecord(current, next) {
      const unchanged = current.rev === undefined ? { $exists: false } : current.rev;
      const result = await c.jobs.replaceOne({ _id: current._id, rev: unchanged }, next);
      return result.matchedCount === 1;
    },
    findRecord: (jobId) => c.jobs.findOne({ _id: jobId }),
    eventsAfter: (jobId, seq) =>
      c.jobEvents
        .find({ jobId, _id: { $gt: seq } })
        .sort({ _id: 1 })
        .toArray(),
  };
}
