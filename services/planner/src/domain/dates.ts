const DAY_MS = 86_400_000;

const toUtcMs = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`);

/** Calendar days from `start` to `end`, both included; 0 when `end` is before `start`. */
export function dayCount(start: string, end: string): number {
  return Math.max(0, Math.round((toUtcMs(end) - toUtcMs(start)) / DAY_MS) + 1);
}

/** The ISO date `offset` days after `start` (UTC calendar arithmetic: no time zones, no DST). */
export function addDays(start: string, offset: number): string {
  return new Date(toUtcMs(start) + offset * DAY_MS).toISOString().slice(0, 10);
}
