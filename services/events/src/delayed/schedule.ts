import { HEADERS, type JobCommand, SUBJECTS } from "@ai-jobs/contracts";

/**
 * The `Nats-Schedule` value for a one-shot schedule: `@at` and an RFC 3339 UTC time in whole seconds. It is rounded
 * up, so a delayed job never fires before its `runAt`. (nats-server 2.12 also accepts milliseconds and offsets, and
 * refuses anything unparseable with "message schedules pattern is invalid".)
 */
export function scheduleAt(runAt: Date): string {
  const seconds = Math.ceil(runAt.getTime() / 1_000);
  return `@at ${new Date(seconds * 1_000).toISOString().replace(".000Z", "Z")}`;
}

/** Where a delayed command is scheduled, and the headers that make JOBS_DELAYED fire it into `delayed.due.…`. */
export function scheduleOf(
  command: Pick<JobCommand, "jobId" | "queue" | "priority" | "tenantId">,
  runAt: Date,
): { subject: string; headers: Record<string, string> } {
  return {
    subject: SUBJECTS.delayedSchedule(command.jobId),
    headers: {
      [HEADERS.schedule]: scheduleAt(runAt),
      [HEADERS.scheduleTarget]: SUBJECTS.delayedDue(command.queue, command.priority, command.tenantId),
    },
  };
}

/** `delayed.due.<queue>.<priority>.<tenant>` → `jobs.<queue>.<priority>.<tenant>`; undefined for anything else. */
export function jobSubjectOfDue(subject: string): string | undefined {
  const parts = subject.split(".");
  if (parts.length !== 5 || parts[0] !== "delayed" || parts[1] !== "due") return undefined;
  return ["jobs", ...parts.slice(2)].join(".");
}
