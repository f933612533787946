import { RETENTION_SCHEDULE } from "@ai-jobs/contracts";
import type { Logger } from "@ai-jobs/runtime";
import type { RetentionRepository } from "../data/retention.js";
import { parseCron } from "../schedules/schedule-config.js";
import type { MaintenanceTask } from "../schedules/scheduler.js";
import { purgeExpired } from "./retention.js";

export interface RetentionSettings {
  RETENTION_CRON: string;
  JOB_RETENTION_DAYS: number;
  IDEMPOTENCY_RETENTION_HOURS: number;
  DEAD_LETTER_RETENTION_DAYS: number;
  SCHEDULE_FIRE_RETENTION_DAYS: number;
  RETENTION_BATCH_SIZE: number;
}

/** Batches per collection per run: with the default batch size, 50,000 records an hour at most. */
const MAX_BATCHES = 100;

/** The built-in `maintenance.retention` schedule (UTC), run by the scheduler under the same exactly-once claim. */
export function createRetentionTask(deps: {
  /** The purges (`createRetentionRepository`). */
  store: RetentionRepository;
  log: Logger;
  config: RetentionSettings;
}): MaintenanceTask {
  const { config } = deps;
  const pattern = parseCron(config.RETENTION_CRON, "UTC");
  if (typeof pattern === "string") throw new Error(`RETENTION_CRON: ${pattern}`);
  void deps.store
    .ensureFinishedIndex()
    .catch((err: unknown) => deps.log.warn({ err }, "could not create the jobs finishedAt index"));
  return {
    name: RETENTION_SCHEDULE,
    cron: config.RETENTION_CRON,
    timezone: "UTC",
    pattern,
    run: async (fireAt) => {
      await purgeExpired(
        {
          store: deps.store,
          log: deps.log.child({ component: "retention" }),
          policy: {
            jobDays: config.JOB_RETENTION_DAYS,
            idempotencyHours: config.IDEMPOTENCY_RETENTION_HOURS,
            deadLetterDays: config.DEAD_LETTER_RETENTION_DAYS,
            fireDays: config.SCHEDULE_FIRE_RETENTION_DAYS,
            batchSize: config.RETENTION_BATCH_SIZE,
            maxBatches: MAX_BATCHES,
          },
        },
        fireAt,
      );
    },
  };
}
