import { createHash } from "node:crypto";

/** A fire's claim id (`schedule_fires`, data/schedules.ts) and dedupe id. */
export const fireIdOf = (name: string, fireAt: Date): string => `cron:${name}:${fireAt.toISOString()}`;

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
