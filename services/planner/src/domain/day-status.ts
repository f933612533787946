import type { DayStatus, TaskStatus } from "@ai-jobs/contracts";

/** A day is done when every task is done or skipped, pending while every task is still to do. */
export function dayStatusOf(statuses: readonly TaskStatus[]): DayStatus {
  if (statuses.length > 0 && statuses.every((s) => s === "done" || s === "skipped")) return "done";
  return statuses.every((s) => s === "todo") ? "pending" : "in_progress";
}
