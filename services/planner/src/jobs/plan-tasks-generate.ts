import { ERROR_CODES, planBriefOf } from "@ai-jobs/contracts";
import { defineJob, type JobHandler, PermanentError } from "@ai-jobs/runtime";
import type { PlannerDeps } from "../deps.js";
import { outlineOf, toStudyTasks } from "../domain/plan-documents.js";
import { loadPlanDay } from "../generation/load-plan-day.js";
import { metered } from "../generation/metered.js";

/**
 * plan.tasks.generate replaces the tasks of one section of one day (same ids, so never duplicated). No failure hook:
 * the plan's content is still whole, and the error is on the job record.
 */
export const planTasksGenerate = (deps: PlannerDeps) =>
  defineJob({ type: "plan.tasks.generate", handler: redraftSection(deps) });

function redraftSection(deps: PlannerDeps): JobHandler<"plan.tasks.generate"> {
  const { repo, provider } = deps;
  return metered<"plan.tasks.generate">(deps, async ({ command, payload, signal, progress }, usage) => {
    const ref = { tenantId: command.tenantId, planId: payload.planId };
    const { plan, day } = await loadPlanDay(repo, ref.tenantId, ref.planId, payload.dayId);
    const section = day.sections.find((s) => s.id === payload.sectionId);
    if (!section) {
      throw new PermanentError(ERROR_CODES.notFound, `section ${payload.sectionId} not found in day ${day._id}`);
    }
    await progress({ pct: 10, step: "tasks", message: `drafting tasks for ${section.title}` });

    const brief = planBriefOf(plan);
    const query = `${brief.goal}\n${day.title}\n${section.title}`;
    const context = await deps.retrieveContext(ref.tenantId, ref.planId, query, deps.contextK);
    const drafts = await provider.draftSectionTasks(brief, outlineOf(day), section.id, {
      jobType: command.type,
      signal,
      usage,
      context,
    });
    signal.throwIfAborted();
    const tasks = toStudyTasks(ref, day.index, section.id, drafts);
    const taskIds = tasks.map((t) => t._id);
    await repo.saveTasks(tasks);
    await repo.deleteTasksExcept({ ...ref, dayId: day._id, sectionId: section.id }, taskIds);
    await repo.refreshDayStatus(ref.tenantId, ref.planId, day._id);
    return { plan_id: ref.planId, task_ids: taskIds };
  });
}
