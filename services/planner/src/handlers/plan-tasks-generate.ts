import { ERROR_CODES } from "@ai-jobs/contracts";
import { type JobHandler, PermanentError } from "@ai-jobs/runtime";
import { briefOf, outlineOf, toStudyTasks } from "../domain/plan-documents.js";
import type { PlannerDeps } from "./deps.js";
import { loadPlanDay } from "./load.js";

/** plan.tasks.generate: replaces the tasks of one section of one day (same ids, so never duplicated). */
export function planTasksGenerate({ repo, provider }: PlannerDeps): JobHandler<"plan.tasks.generate"> {
  return async ({ command, payload, signal, progress }) => {
    const ref = { tenantId: command.tenantId, planId: payload.planId };
    const { plan, day } = await loadPlanDay(repo, ref.tenantId, ref.planId, payload.dayId);
    const section = day.sections.find((s) => s.id === payload.sectionId);
    if (!section) {
      throw new PermanentError(ERROR_CODES.notFound, `section ${payload.sectionId} not found in day ${day._id}`);
    }
    await progress({ pct: 10, step: "tasks", message: `drafting tasks for ${section.title}` });

    const drafts = await provider.draftSectionTasks(briefOf(plan), outlineOf(day), section.id, signal);
    signal.throwIfAborted();
    const tasks = toStudyTasks(ref, day.index, section.id, drafts);
    const taskIds = tasks.map((t) => t._id);
    await repo.saveTasks(tasks);
    await repo.deleteTasksExcept({ ...ref, dayId: day._id, sectionId: section.id }, taskIds);
    await repo.refreshDayStatus(ref.tenantId, ref.planId, day._id);
    return { plan_id: ref.planId, task_ids: taskIds };
  };
}
