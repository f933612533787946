import { ERROR_CODES, type StudyTask } from "@ai-jobs/contracts";
import { PermanentError } from "@ai-jobs/runtime";
import { dayCount } from "../domain/dates.js";
import { dayPartial, throttled } from "../domain/partial-days.js";
import { briefOf, dayTasksToStudyTasks, toStudyDay } from "../domain/plan-documents.js";
import type { PlanBrief } from "../providers/types.js";
import type { PlannerDeps } from "./deps.js";
import { type MeteredHandler, metered } from "./metered.js";

/** A plan longer than a year is a mistake in the request, not work to do. */
export const MAX_PLAN_DAYS = 366;
/** Per-day progress is throttled to about this many events, whatever the plan's length. */
const DAY_PROGRESS_EVENTS = 10;
/** While a day's answer streams in, its partial content is sent at most this often. */
export const PARTIAL_EVENT_MS = 1_000;

/**
 * plan.generate: drafts a plan's days and tasks and stores them under deterministic ids, so a redelivered or
 * repeated job replaces the plan's content instead of duplicating it. Progress events carry the days drafted since
 * the previous one (`partial.days`), and while a day streams in from a model, its tasks so far (`partial.day`).
 */
export function planGenerate(deps: PlannerDeps) {
  const { repo, provider } = deps;
  const handler: MeteredHandler<"plan.generate"> = async ({ command, payload, signal, progress }, usage) => {
    const ref = { tenantId: command.tenantId, planId: payload.planId };
    const plan = await repo.findPlan(ref.tenantId, ref.planId);
    if (!plan) throw new PermanentError(ERROR_CODES.notFound, `study plan ${ref.planId} not found`);
    const brief = briefOf(payload);
    checkDateRange(brief);
    await repo.markGenerationRunning(ref.tenantId, ref.planId, command.jobId);
    const call = { jobType: command.type, signal, usage };

    const goalContext = await deps.retrieveContext(ref.tenantId, ref.planId, brief.goal, deps.contextK);
    const outline = (await provider.draftOutline(brief, { ...call, context: goalContext })).map((day, index) => ({
      ...day,
      index,
    }));
    signal.throwIfAborted();
    await repo.saveDays(outline.map((day) => toStudyDay(ref, day)));
    await progress({
      pct: 10,
      step: "outline",
      message: "outline drafted",
      partial: { days: outline.map((d) => dayPartial(d, [])) },
    });

    const taskIds: string[] = [];
    const progressEvery = Math.max(1, Math.ceil(outline.length / DAY_PROGRESS_EVENTS));
    let unsaved: StudyTask[] = [];
    let unsent: ReturnType<typeof dayPartial>[] = [];
    for (const day of outline) {
      signal.throwIfAborted();
      const pct = 10 + Math.floor((85 * day.index) / outline.length);
      const onPartial = throttled<unknown>(PARTIAL_EVENT_MS, (answer) => {
        const sections = (answer as { sections?: unknown }).sections;
        void progress({
          pct,
          step: "drafting",
          message: `drafting day ${day.index + 1}/${outline.length}`,
          partial: { day: { index: day.index, date: day.date, title: day.title, sections } },
        }).catch(() => undefined);
      });
      const context = await deps.retrieveContext(
        ref.tenantId,
        ref.planId,
        `${brief.goal}\n${day.title}`,
        deps.contextK,
      );
      const sections = await provider.draftDayTasks(brief, day, { ...call, context, onPartial });
      const tasks = dayTasksToStudyTasks(ref, day.index, sections);
      unsaved.push(...tasks);
      unsent.push(dayPartial(day, sections));
      taskIds.push(...tasks.map((t) => t._id));
      const drafted = day.index + 1;
      if (drafted % progressEvery === 0 || drafted === outline.length) {
        signal.throwIfAborted();
        await repo.saveTasks(unsaved);
        unsaved = [];
        await progress({
          pct: 10 + Math.floor((85 * drafted) / outline.length),
          step: "days",
          message: `day ${drafted}/${outline.length} drafted`,
          partial: { days: unsent },
        });
        unsent = [];
      }
    }

    signal.throwIfAborted();
    // What an earlier generation wrote beyond the new plan: more days, or more tasks in a section.
    await repo.deleteDaysFrom(ref.tenantId, ref.planId, outline.length);
    await repo.deleteTasksExcept(ref, taskIds);
    await repo.markGenerationSucceeded(ref.tenantId, ref.planId, provider.name);
    return { plan_id: ref.planId, day_count: outline.length, task_count: taskIds.length, provider: provider.name };
  };
  return metered(deps, handler);
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
