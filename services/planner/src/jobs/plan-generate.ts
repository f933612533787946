import { ERROR_CODES, planBriefOf } from "@ai-jobs/contracts";
import { defineJob, type FailureHook, type JobHandler, mapBounded, PermanentError } from "@ai-jobs/runtime";
import type { PlanRepository } from "../data/plans.js";
import type { PlannerDeps } from "../deps.js";
import { dayCount } from "../domain/dates.js";
import { dayPartial } from "../domain/partial-days.js";
import { dayTasksToStudyTasks, toStudyDay } from "../domain/plan-documents.js";
import { createDayProgress } from "../generation/day-progress.js";
import { draftOutline } from "../generation/draft-outline.js";
import { type MeteredHandler, metered } from "../generation/metered.js";
import { planIdOf } from "../generation/plan-id-of.js";
import type { PlanBrief } from "../providers/types.js";

/** A plan longer than a year is a mistake in the request, not work to do. */
export const MAX_PLAN_DAYS = 366;

/**
 * plan.generate drafts a plan; when it fails for good or is cancelled, the plan shows it (`generationStatus: failed`,
 * `lastError`).
 */
export const planGenerate = (deps: PlannerDeps) =>
  defineJob({ type: "plan.generate", handler: generatePlan(deps), onFailure: markPlanFailed(deps.repo) });

/**
 * Drafts a plan's outline in ranges of days, then every day's tasks, `provider.concurrency` calls at
 * a time (LLM_CONCURRENCY for a model, so a job never queues more calls than its replica lets through; 1 runs the
 * same code one call after another). Days and tasks are stored under deterministic ids, so a redelivered or repeated
 * job replaces the plan's content instead of duplicating it. Progress events follow the days done in plan order
 * (`createDayProgress`): they carry the days drafted since the previous one (`partial.days`), and while a day
 * streams in from a model, its tasks so far (`partial.day`).
 */
function generatePlan(deps: PlannerDeps): JobHandler<"plan.generate"> {
  const { repo, provider } = deps;
  const handler: MeteredHandler<"plan.generate"> = async ({ command, payload, signal, progress, log }, usage) => {
    const ref = { tenantId: command.tenantId, planId: payload.planId };
    const plan = await repo.findPlan(ref.tenantId, ref.planId);
    if (!plan) throw new PermanentError(ERROR_CODES.notFound, `study plan ${ref.planId} not found`);
    const brief = planBriefOf(payload);
    const total = checkDateRange(brief);
    await repo.markGenerationRunning(ref.tenantId, ref.planId, command.jobId);
    const call = { jobType: command.type, signal, usage };
    const concurrency = provider.concurrency;

    const goalContext = await deps.retrieveContext(ref.tenantId, ref.planId, brief.goal, deps.contextK);
    const drafted = await draftOutline({
      provider,
      brief,
      total,
      concurrency,
      call: { ...call, context: goalContext },
    });
    const outline = drafted.days;
    if (drafted.asks > 1) log.info({ asks: drafted.asks, templated: drafted.templated }, "outline days asked again");
    if (drafted.templated.length > 0) {
      log.warn({ days: drafted.templated }, "the model gave no outline for some days: template days used");
    }
    signal.throwIfAborted();
    await repo.saveDays(outline.map((day) => toStudyDay(ref, day)));
    await progress({
      pct: 10,
      step: "outline",
      message:
        drafted.templated.length === 0
          ? "outline drafted"
          : `outline drafted (${drafted.templated.length} of ${total} days from the template: the model gave none)`,
      partial: { days: outline.map((d) => dayPartial(d, [])) },
    });

    const taskIds: string[] = [];
    const dayProgress = createDayProgress({
      outline,
      signal,
      saveTasks: (tasks) => repo.saveTasks(tasks),
      send: progress,
    });
    await mapBounded(outline, concurrency, signal, async (day, _index, daySignal) => {
      const query = `${brief.goal}\n${day.title}`;
      const context = await deps.retrieveContext(ref.tenantId, ref.planId, query, deps.contextK);
      const sections = await provider.draftDayTasks(brief, day, {
        ...call,
        signal: daySignal,
        context,
        onPartial: (answer) => dayProgress.streaming(day, answer),
      });
      const tasks = dayTasksToStudyTasks(ref, day.index, sections);
      taskIds.push(...tasks.map((t) => t._id));
      await dayProgress.drafted(day, sections, tasks);
    });

    signal.throwIfAborted();
    // What an earlier generation wrote beyond the new plan: more days, or more tasks in a section.
    await repo.deleteDaysFrom(ref.tenantId, ref.planId, outline.length);
    await repo.deleteTasksExcept(ref, taskIds);
    await repo.markGenerationSucceeded(ref.tenantId, ref.planId, provider.name);
    return { plan_id: ref.planId, day_count: outline.length, task_count: taskIds.length, provider: provider.name };
  };
  return metered(deps, handler);
}

/** The plan's number of days; a range that ends before it starts, or spans more than a year, fails for good. */
function checkDateRange(brief: PlanBrief): number {
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
  return days;
}

/** The failure hook: the plan records that its generation failed, and why. */
function markPlanFailed(repo: PlanRepository): FailureHook<"plan.generate"> {
  return async (command, error, log) => {
    const planId = planIdOf(command, log);
    if (planId) await repo.markGenerationFailed(command.tenantId, planId, error.message);
  };
}
