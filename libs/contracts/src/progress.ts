import type { DayStatus, PlanCompletion, TaskStatus } from "./domain.js";

/** A task that counts as finished for its day and its plan. */
const finished = (status: TaskStatus) => status === "done" || status === "skipped";

/** A day is done when every task is done or skipped, pending while every task is still to do. */
export function dayStatusOf(statuses: readonly TaskStatus[]): DayStatus {
  if (statuses.length > 0 && statuses.every(finished)) return "done";
  return statuses.every((s) => s === "todo") ? "pending" : "in_progress";
}

/** A plan's completion from its tasks: finished over all, and the minutes spent. */
export function completionOf(tasks: ReadonlyArray<{ status: TaskStatus; timeSpentMinutes: number }>): PlanCompletion {
  const doneTasks = tasks.filter((t) => finished(t.status)).length;
  return {
    doneTasks,
    totalTasks: tasks.length,
    pct: tasks.length === 0 ? 0 : Math.floor((100 * doneTasks) / tasks.length),
    minutesSpent: tasks.reduce((sum, t) => sum + t.timeSpentMinutes, 0),
  };
}
