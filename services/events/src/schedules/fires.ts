import { createHash } from "node:crypto";
import { SCHEDULE_COLLECTIONS } from "@ai-jobs/contracts";
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

export const fireIdOf = (name: string, fireAt: Date): string => `cron:${name}:${fireAt.toISOString()}`;

/**
 * Claims one fire for this replica: an insert with a unique `_id`, the one write MongoDB and FerretDB both perform
 * atomically (FerretDB's conditional updates are not). True for the one winner, false for every other replica.
 */
export async function claimFire(
  fires: Collection<ScheduleFire>,
  fire: Omit<ScheduleFire, "claimedAt">,
  now: Date,
): Promise<boolean> {
  try {
    await fires.insertOne({ ...fire, claimedAt: now });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The job id of a fire: a ULID whose time part is the fire time and whose random part is a hash of the fire id.
 * Deterministic, so whatever replica creates the job gives it the same id; a second creation then hits the jobs'
 * unique `_id`, and a second publish JetStream's duplicate window (the command's `Nats-Msg-Id` is the job id).
 */
export function jobIdOfFire(fireId: string, fireAt: Date): string {
  let time = fireAt.getTime();
  let timePart = "";
  for (let i = 0; i < 10; i++) {
    timePart = CROCKFORD.charAt(time % 32) + timePart;
    time = Math.floor(time / 32);
  }
  const digest = createHash("sha256").update(fireId).digest();
  let randomPart = "";
  for (let i = 0; i < 16; i++) randomPart += CROCKFORD.charAt((digest[i] ?? 0) % 32);
  return timePart + randomPart;
}
