import { planBriefOf } from "@ai-jobs/contracts";
import { defineJob, type JobHandler } from "@ai-jobs/runtime";
import type { PlannerDeps } from "../deps.js";
import { dayTasksToStudyTasks, outlineOf } from "../domain/plan-documents.js";
import { loadPlanDay } from "../generation/load-plan-day.js";
import { metered } from "../generation/metered.js";

/**
 * plan.day.generate replaces every task of one day with freshly drafted ones (same ids, so never duplicated). No
 * failure hook: the plan's content is still whole, and the error is on the job record.
 */
export const planDayGenerate = (deps: PlannerDeps) =>
  defineJob({ type: "plan.day.generate", handler: redraftDay(deps) });

function redraftDay(deps: PlannerDeps): JobHandler<"plan.day.generate"> {
  const { repo, provider } = deps;
  return metered<"plan.day.generate">(deps, async ({ command, payload, signal, progress }, usage) => {
    const ref = { tenantId: command.tenantId, planId: payload.planId };
    const { plan, day } = await loadPlanDay(repo, ref.tenantId, ref.planId, payload.dayId);
    await progress({ pct: 10, step: "tasks", message: `drafting tasks for ${day.title}` });

    const brief = planBriefOf(plan);
    const context = await deps.retrieveContext(ref.tenantId, ref.planId, `${brief.goal}\n${day.title}`, deps.contextK);
    const sections = await provider.draftDayTasks(brief, outlineOf(day), {
      jobType: command.type,
      signal,
      usage,
      context,
    });
    signal.throwIfAborted();
    const tasks = dayTasksToStudyTasks(ref, day.index, sections);
    const taskIds = tasks.map((t) => t._id);
    await repo.saveTasks(tasks);
    await repo.deleteTasksExcept({ ...ref, dayId: day._id }, taskIds);
    await repo.refreshDayStatus(ref.tenantId, ref.planId, day._id);
    return { plan_id: ref.planId, day_id: day._id, task_ids: taskIds };
  });
}
