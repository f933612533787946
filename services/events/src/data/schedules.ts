import { SCHEDULE_COLLECTIONS, type ScheduleStateRecord } from "@ai-jobs/contracts";
import { isDuplicateKey } from "@ai-jobs/runtime";
import type { Collection, Db } from "mongodb";

/** A claimed fire of a schedule. */
export interface ScheduleFire {
  /** `cron:<name>:<fireTime ISO>`, the same string as the fire's dedupe id. */
  _id: string;
  schedule: string;
  fireAt: Date;
  /** The job created for the fire (null for the maintenance task). */
  jobId: string | null;
  claimedAt: Date;
}

export const firesOf = (db: Db): Collection<ScheduleFire> => db.collection<ScheduleFire>(SCHEDULE_COLLECTIONS.fires);

/** What the scheduler writes of a schedule's entry besides its name and last fire. */
export type ScheduleState = Omit<ScheduleStateRecord, "_id" | "lastFireAt">;

/**
 * The scheduler's collections: `schedule_fires` (one claim per fire) and `schedules` (each schedule's entry, which
 * the gateway lists).
 */
export interface ScheduleRepository {
  /**
   * Claims one fire for this replica: an insert with a unique `_id`, the one write MongoDB and FerretDB both perform
   * atomically (FerretDB's conditional updates are not). True for the one winner, false for every other replica.
   */
  claimFire(fire: Omit<ScheduleFire, "claimedAt">, now: Date): Promise<boolean>;
  /** Upserts a schedule's entry; `lastFireAt` null keeps the stored one (a new entry gets null). */
  writeState(name: string, state: ScheduleState, lastFireAt: Date | null): Promise<void>;
  states(): Promise<ScheduleStateRecord[]>;
  /** Removes the entries of schedules no longer configured. */
  keepStatesOf(names: readonly string[]): Promise<void>;
}

export function createScheduleRepository(db: Db): ScheduleRepository {
  const fires = firesOf(db);
  const states = db.collection<ScheduleStateRecord>(SCHEDULE_COLLECTIONS.schedules);
  return {
    async claimFire(fire, now) {
      try {
        await fires.insertOne({ ...fire, claimedAt: now });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async writeState(name, state, lastFireAt) {
      const set = lastFireAt ? { ...state, lastFireAt } : state;
      try {
        await states.updateOne(
          { _id: name },
          { $set: set, $setOnInsert: lastFireAt ? {} : { lastFireAt: null } },
          { upsert: true },
        );
      } catch (err) {
        // Two replicas upserting a new entry at once: the other one wrote it.
        if (!isDuplicateKey(err)) throw err;
      }
    },
    states: () => states.find({}).toArray(),
    async keepStatesOf(names) {
      await states.deleteMany({ _id: { $nin: [...names] } });
    },
  };
}
