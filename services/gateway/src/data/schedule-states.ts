import { SCHEDULE_COLLECTIONS, type ScheduleStateRecord } from "@ai-jobs/contracts";
import type { MongoContext } from "@ai-jobs/runtime";

/** The `schedules` collection: each cron schedule's entry, written by the events scheduler. */
export interface ScheduleStateRepository {
  /** The job schedules of one tenant, or every schedule when no tenant is given; by name. */
  list(tenantId: string | undefined): Promise<ScheduleStateRecord[]>;
}

export function createScheduleStateRepository(db: MongoContext["db"]): ScheduleStateRepository {
  const states = db.collection<ScheduleStateRecord>(SCHEDULE_COLLECTIONS.schedules);
  return {
    async list(tenantId) {
      const found = await states.find(tenantId === undefined ? {} : { tenantId }).toArray();
      return found.sort((a, b) => a._id.localeCompare(b._id));
    },
  };
}
