import type { Logger } from "@ai-jobs/runtime";
import type { RetentionRepository } from "../data/retention.js";

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
  /** The purges (`createRetentionRepository`). */
  store: RetentionRepository;
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
 * are never touched. Each collection is purged in batches of `_id`s (data/retention.ts).
 */
export async function purgeExpired(deps: RetentionDeps, now: Date = new Date()): Promise<PurgeResult> {
  const { policy, store } = deps;
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const { jobs, jobEvents } = await store.purgeFinishedJobs(ago(policy.jobDays * DAY), policy);
  const result: PurgeResult = {
    jobs,
    jobEvents,
    idempotencyKeys: await store.purge("idempotencyKeys", ago(policy.idempotencyHours * HOUR), policy),
    deadLetters: await store.purge("deadLetters", ago(policy.deadLetterDays * DAY), policy),
    fires: await store.purge("fires", ago(policy.fireDays * DAY), policy),
  };
  deps.log.info({ ...result }, "retention purge done");
  return result;
}
