import { QUEUE_SAMPLES_COLLECTION, type QueueSampleRecord } from "@ai-jobs/contracts";
import { isDuplicateKey, type MongoContext } from "@ai-jobs/runtime";

/**
 * The last hour of queue figures (`queue_samples`): one record per sampling slot, whichever replica took it. Bounded:
 * the sampler prunes what has left the window, so the collection holds about window / interval records.
 */
export interface QueueSampleStore {
  /** Whether the slot (its ISO start) has its sample already. */
  has(slot: string): Promise<boolean>;
  /** Stores a sample; false when another replica stored the slot's first (the record is dropped). */
  insert(sample: QueueSampleRecord): Promise<boolean>;
  /** Deletes the samples of slots before this one. */
  pruneBefore(slot: string): Promise<void>;
  /** The samples from this slot on, oldest first. */
  since(slot: string): Promise<QueueSampleRecord[]>;
}

export function createQueueSampleStore(db: MongoContext["db"]): QueueSampleStore {
  const samples = db.collection<QueueSampleRecord>(QUEUE_SAMPLES_COLLECTION);
  return {
    async has(slot) {
      return (await samples.countDocuments({ _id: slot }, { limit: 1 })) > 0;
    },
    async insert(sample) {
      try {
        await samples.insertOne(sample);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async pruneBefore(slot) {
      await samples.deleteMany({ _id: { $lt: slot } });
    },
    since(slot) {
      return samples
        .find({ _id: { $gte: slot } })
        .sort({ _id: 1 })
        .toArray();
    },
  };
}
