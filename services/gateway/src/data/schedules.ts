import { STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import type { JetStreamManager } from "@nats-io/jetstream";

/** Pending schedules of delayed jobs in `JOBS_DELAYED`. */
export interface ScheduleStore {
  /**
   * Removes a delayed job's schedule if it has not fired yet, so it never reaches its queue. Returns how many
   * messages were removed (0 when it fired already or never existed).
   */
  cancel(jobId: string): Promise<number>;
}

export function createScheduleStore(jsm: JetStreamManager): ScheduleStore {
  return {
    async cancel(jobId) {
      const { purged } = await jsm.streams.purge(STREAMS.delayed, { filter: SUBJECTS.delayedSchedule(jobId) });
      return purged;
    },
  };
}
