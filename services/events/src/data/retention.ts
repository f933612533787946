import type { MongoContext } from "@ai-jobs/runtime";
import type { Collection } from "mongodb";
import { firesOf } from "./schedules.js";

/** How much one purge may delete: ids per statement, and statements per collection per run. */
export interface PurgeBatches {
  batchSize: number;
  maxBatches: number;
}

/** The records retention removes once their periods are past, each older than `before`. */
export type Expiring = "idempotencyKeys" | "deadLetters" | "fires";

/**
 * The retention task's deletes. Each collection is purged in batches: find a page of `_id`s, then delete by that
 * `_id` list (FerretDB uses only `_id` lookups for deletes; a filter on another field scans).
 */
export interface RetentionRepository {
  /** Job records finished before `before`, with their `job_events`; unfinished jobs are never touched. */
  purgeFinishedJobs(before: Date, batches: PurgeBatches): Promise<{ jobs: number; jobEvents: number }>;
  /** Idempotency keys created, dead letters indexed, or schedule fires claimed before `before`; how many. */
  purge(what: Expiring, before: Date, batches: PurgeBatches): Promise<number>;
  /** The finished-job scan of the purge and of the gateway's throughput figures (MongoDB; FerretDB ignores it). */
  ensureFinishedIndex(): Promise<void>;
}

export function createRetentionRepository(mongo: Pick<MongoContext, "collections" | "db">): RetentionRepository {
  const { jobs, jobEvents, idempotencyKeys, deadLetters } = mongo.collections;
  const fires = firesOf(mongo.db);
  const expiring = {
    idempotencyKeys: { c: idempotencyKeys, field: "createdAt" },
    deadLetters: { c: deadLetters, field: "at" },
    fires: { c: fires, field: "claimedAt" },
  } as const;

  return {
    async purgeFinishedJobs(before, { batchSize, maxBatches }) {
      const result = { jobs: 0, jobEvents: 0 };
      for (let i = 0; i < maxBatches; i++) {
        const page = await jobs
          .find({ finishedAt: { $lt: before } }, { projection: { _id: 1 }, limit: batchSize })
          .toArray();
        if (page.length === 0) break;
        const ids = page.map((j) => j._id);
        // Events first: a crash between the two leaves the job, and the next run removes both.
        for (;;) {
          const events = await jobEvents
            .find({ jobId: { $in: ids } }, { projection: { _id: 1 }, limit: batchSize })
            .toArray();
          if (events.length === 0) break;
          result.jobEvents += (await jobEvents.deleteMany({ _id: { $in: events.map((e) => e._id) } })).deletedCount;
        }
        result.jobs += (await jobs.deleteMany({ _id: { $in: ids } })).deletedCount;
        if (page.length < batchSize) break;
      }
      return result;
    },
    purge(what, before, batches) {
      const { c, field } = expiring[what];
      return purgeBy(c, { [field]: { $lt: before } }, batches);
    },
    async ensureFinishedIndex() {
      await jobs.createIndex({ finishedAt: 1, queue: 1 });
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: any collection whose documents have an `_id`.
async function purgeBy(c: Collection<any>, filter: Record<string, unknown>, batches: PurgeBatches): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < batches.maxBatches; i++) {
    const page = await c.find(filter, { projection: { _id: 1 }, limit: batches.batchSize }).toArray();
    if (page.length === 0) break;
    deleted += (await c.deleteMany({ _id: { $in: page.map((d) => d._id) } })).deletedCount;
    if (page.length < batches.batchSize) break;
  }
  return deleted;
}
