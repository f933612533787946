import type { JobRecord } from "@ai-jobs/contracts";

/**
 * The job records the projector wrote or read last, newest kept (least recently used evicted). The projector is the
 * only writer of `jobs` and one projector runs at a time (pinned consumer), so what it wrote is what is stored: a
 * job's next events fold onto the cached record without reading it. Stale entries are harmless: the write is a
 * compare-and-set on `rev`, and a lost one evicts and reads again.
 */
export interface RecordCache {
  get(jobId: string): JobRecord | undefined;
  set(record: JobRecord): void;
  delete(jobId: string): void;
  clear(): void;
}

export function createRecordCache(capacity: number): RecordCache {
  const records = new Map<string, JobRecord>();
  return {
    get(jobId) {
      const record = records.get(jobId);
      if (record) {
        // Move to the newest end.
        records.delete(jobId);
        records.set(jobId, record);
      }
      return record;
    },
    set(record) {
      records.delete(record._id);
      records.set(record._id, record);
      if (records.size > capacity) {
        const oldest = records.keys().next();
        if (!oldest.done) records.delete(oldest.value);
      }
    },
    delete(jobId) {
      records.delete(jobId);
    },
    clear() {
      records.clear();
    },
  };
}
