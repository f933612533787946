import type { Collections, Logger } from "@ai-jobs/runtime";
import type { Collection } from "mongodb";
import type { ScheduleFire } from "../schedules/fires.js";

export interface RetentionPolicy {
  jobDays: number;
  idempotencyHours: number;
  deadLetterDays: number;
  fireDays: number;
  /** Ids deleted per statement. */
  batchSize: number;
  /** Batches per collection per run at most, so one run stays bounded; the next run goes on. */
  maxBatches: number;
}

export interface RetentionDeps {
  collections: Pick<Collections, "jobs" | "jobEvents" | "idempotencyKeys" | "deadLetters">;
  fires: Collection<ScheduleFire>;
  log: Logger;
  policy: RetentionPolicy;
}

export interface PurgeResult {
  jobs: number;
  jobEvents: number;
  idempotencyKeys: number;
  deadLetters: number;
  fires: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * The `maintenance.retention` task: removes job records finished before `jobDays` ago with their `job_events`,
 * idempotency keys, dead letters and schedule fire claims past their periods. Unfinished jobs (`finishedAt: null`)
 * are never touched. Each collection is purged in batches: find a page of `_id`s, then delete by that `_id` list
 * (FerretDB uses only `_id` lookups for deletes; a filter on another field scans).
 */
export async function purgeExpired(deps: RetentionDeps, now: Date = new Date()): Promise<PurgeResult> {
  const { policy } = deps;
  const { jobs, jobEvents, idempotencyKeys, deadLetters } = deps.collections;
  const result: PurgeResult = { jobs: 0, jobEvents: 0, idempotencyKeys: 0, deadLetters: 0, fires: 0 };
  const jobCutoff = new Date(now.getTime() - policy.jobDays * DAY);

  for (let i = 0; i < policy.maxBatches; i++) {
    const page = await jobs
      .find({ finishedAt: { $lt: jobCutoff } }, { projection: { _id: 1 }, limit: policy.batchSize })
      .toArray();
    if (page.length === 0) break;
    const ids = page.map((j) => j._id);
    // Events first: a crash between the two leaves the job, and the next run removes both.
    for (;;) {
      const events = await jobEvents
        .find({ jobId: { $in: ids } }, { projection: { _id: 1 }, limit: policy.batchSize })
        .toArray();
      if (events.length === 0) break;
      result.jobEvents += (await jobEvents.deleteMany({ _id: { $in: events.map((e) => e._id) } })).deletedCount;
    }
    result.jobs += (await jobs.deleteMany({ _id: { $in: ids } })).deletedCount;
    if (page.length < policy.batchSize) break;
  }

  result.idempotencyKeys = await purgeBy(
    idempotencyKeys,
    { createdAt: { $lt: new Date(now.getTime() - policy.idempotencyHours * HOUR) } },
    policy,
  );
  result.deadLetters = await purgeBy(
    deadLetters,
    { at: { $lt: new Date(now.getTime() - policy.deadLetterDays * DAY) } },
    policy,
  );
  result.fires = await purgeBy(
    deps.fires,
    { claimedAt: { $lt: new Date(now.getTime() - policy.fireDays * DAY) } },
    policy,
  );
  deps.log.info({ ...result }, "retention purge done");
  return result;
}

// biome-ignore lint/suspicious/noExplicitAny: any collection whose documents have an `_id`.
async function purgeBy(c: Collection<any>, filter: Record<string, unknown>, policy: RetentionPolicy): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < policy.maxBatches; i++) {
    const page = await c.find(filter, { projection: { _id: 1 }, limit: policy.batchSize }).toArray();
    if (page.length === 0) break;
    deleted += (await c.deleteMany({ _id: { $in: page.map((d) => d._id) } })).deletedCount;
    if (page.length < policy.batchSize) break;
  }
  return deleted;
}
