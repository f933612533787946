import { ERROR_CODES, type StudyTask } from "@ai-jobs/contracts";
import { type JobHandler, PermanentError } from "@ai-jobs/runtime";
import { dayCount } from "../domain/dates.js";
import { briefOf, dayTasksToStudyTasks, toStudyDay } from "../domain/plan-documents.js";
import type { PlanBrief } from "../providers/types.js";
import type { PlannerDeps } from "./deps.js";

/** A plan longer than a year is a mistake in the request, not work to do. */
export const MAX_PLAN_DAYS = 366;
/** Per-day progress is throttled to about this many events, whatever the plan's length. */
const DAY_PROGRESS_EVENTS = 10;

/**
 * plan.generate: drafts a plan's days and tasks and stores them under deterministic ids, so a redelivered or
 * repeated job replaces the plan's content instead of duplicating it.
 */
export function planGenerate({ repo, provider }: PlannerDeps): JobHandler<"plan.generate"> {
  return async ({ command, payload, signal, progress }) => {
    const ref = { tenantId: command.tenantId, planId: payload.planId };
    const plan = await repo.findPlan(ref.tenantId, ref.planId);
    if (!plan) throw new PermanentError(ERROR_CODES.notFound, `study plan ${ref.planId} not found`);
    const brief = briefOf(payload);
    checkDateRange(brief);
    await repo.markGenerationRunning(ref.tenantId, ref.planId, command.jobId);

    const outline = (await provider.draftOutline(brief, signal)).map((day, index) => ({ ...day, index }));
    signal.throwIfAborted();
    await repo.saveDays(outline.map((day) => toStudyDay(ref, day)));
    await progress({ pct: 10, step: "outline", message: "outline drafted" });

    const taskIds: string[] = [];
    const progressEvery = Math.max(1, Math.ceil(outline.length / DAY_PROGRESS_EVENTS));
    let unsaved: StudyTask[] = [];
    for (const day of outline) {
      signal.throwIfAborted();
      const tasks = dayTasksToStudyTasks(ref, day.index, await provider.draftDayTasks(brief, day, signal));
      unsaved.push(...tasks);
      taskIds.push(...tasks.map((t) => t._id));
      const drafted = day.index + 1;
      if (drafted % progressEvery === 0 || drafted === outline.length) {
        signal.throwIfAborted();
        await repo.saveTasks(unsaved);
        unsaved = [];
        const pct = 10 + Math.floor((85 * drafted) / outline.length);
        await progress({ pct, step: "days", message: `day ${drafted}/${outline.length} drafted` });
      }
    }

    signal.throwIfAborted();
    // What an earlier generation wrote beyond the new plan: more days, or more tasks in a section.
    await repo.deleteDaysFrom(ref.tenantId, ref.planId, outline.length);
    await repo.deleteTasksExcept(ref, taskIds);
    await repo.markGenerationSucceeded(ref.tenantId, ref.planId, provider.name);
    return { plan_id: ref.planId, day_count: outline.length, task_count: taskIds.length, provider: provider.name };
  };
}

function checkDateRange(brief: PlanBrief): void {
  const days = dayCount(brief.startDate, brief.endDate);
  if (days === 0) {
    throw new PermanentError(
      ERROR_CODES.invalidPayload,
      `endDate ${brief.endDate} is before startDate ${brief.startDate}`,
    );
  }
  if (days > MAX_PLAN_DAYS) {
    throw new PermanentError(ERROR_CODES.invalidPayload, `a plan covers at most ${MAX_PLAN_DAYS} days, not ${days}`);
  }
}
