import type { PlanSummary, StudyDay, StudyPlan, StudyTask } from "@ai-jobs/contracts";
import { bulkWriteInSlices, type Collections } from "@ai-jobs/runtime";
import { dayStatusOf } from "../domain/day-status.js";

/** Where the planner reads and writes plans, days and tasks. Every read is scoped to the tenant. */
export interface PlanRepository {
  findPlan(tenantId: string, planId: string): Promise<StudyPlan | null>;
  findDay(tenantId: string, planId: string, dayId: string): Promise<StudyDay | null>;
  markGenerationRunning(tenantId: string, planId: string, jobId: string): Promise<void>;
  markGenerationSucceeded(tenantId: string, planId: string, provider: string): Promise<void>;
  markGenerationFailed(tenantId: string, planId: string, message: string): Promise<void>;
  /** Creates or replaces each day by its deterministic id. */
  saveDays(days: StudyDay[]): Promise<void>;
  /** Creates or replaces each task by its deterministic id. */
  saveTasks(tasks: StudyTask[]): Promise<void>;
  /** Deletes the days with `index >= count`, and their tasks: what an earlier, longer generation left. */
  deleteDaysFrom(tenantId: string, planId: string, count: number): Promise<void>;
  /** Deletes the tasks of a plan, or of one of its days or sections, that are not in `keep`. */
  deleteTasksExcept(
    scope: { tenantId: string; planId: string; dayId?: string; sectionId?: string },
    keep: string[],
  ): Promise<void>;
  /** The plan with its days (by index) and tasks (by day, section, index); null when there is no such plan. */
  findContent(
    tenantId: string,
    planId: string,
  ): Promise<{ plan: StudyPlan; days: StudyDay[]; tasks: StudyTask[] } | null>;
  saveSummary(tenantId: string, planId: string, summary: PlanSummary): Promise<void>;
  /** Sets a day's status from its tasks' statuses, after some of them were replaced. */
  refreshDayStatus(tenantId: string, planId: string, dayId: string): Promise<void>;
}

export function createPlanRepository(c: Pick<Collections, "plans" | "days" | "tasks">): PlanRepository {
  const setPlan = async (tenantId: string, planId: string, fields: Partial<StudyPlan>) => {
    await c.plans.updateOne({ _id: planId, tenantId }, { $set: { ...fields, updatedAt: new Date() } });
  };

  return {
    findPlan: (tenantId, planId) => c.plans.findOne({ _id: planId, tenantId }),
    findDay: (tenantId, planId, dayId) => c.days.findOne({ _id: dayId, planId, tenantId }),
    markGenerationRunning: (tenantId, planId, jobId) =>
      setPlan(tenantId, planId, { generationStatus: "running", jobId }),
    markGenerationSucceeded: (tenantId, planId, provider) =>
      setPlan(tenantId, planId, { generationStatus: "succeeded", provider, lastError: null }),
    markGenerationFailed: (tenantId, planId, message) =>
      setPlan(tenantId, planId, { generationStatus: "failed", lastError: message }),
    async saveDays(days) {
      await bulkWriteInSlices(
        c.days,
        days.map((day) => ({ replaceOne: { filter: { _id: day._id }, replacement: day, upsert: true } })),
        { ordered: false },
      );
    },
    async saveTasks(tasks) {
      await bulkWriteInSlices(
        c.tasks,
        tasks.map((task) => ({ replaceOne: { filter: { _id: task._id }, replacement: task, upsert: true } })),
        { ordered: false },
      );
    },
    async deleteDaysFrom(tenantId, planId, count) {
      const stale = await c.days
        .find({ tenantId, planId, index: { $gte: count } }, { projection: { _id: 1 } })
        .toArray();
      if (stale.length === 0) return;
      const ids = stale.map((d) => d._id);
      await c.tasks.deleteMany({ tenantId, planId, dayId: { $in: ids } });
      await c.days.deleteMany({ tenantId, planId, _id: { $in: ids } });
    },
    async deleteTasksExcept(scope, keep) {
      const { tenantId, planId, dayId, sectionId } = scope;
      await c.tasks.deleteMany({
        tenantId,
        planId,
        ...(dayId === undefined ? {} : { dayId }),
        ...(sectionId === undefined ? {} : { sectionId }),
        _id: { $nin: keep },
      });
    },
    async findContent(tenantId, planId) {
      const plan = await c.plans.findOne({ _id: planId, tenantId });
      if (!plan) return null;
      const [days, tasks] = await Promise.all([
        c.days.find({ tenantId, planId }).sort({ index: 1 }).toArray(),
        c.tasks.find({ tenantId, planId }).sort({ _id: 1 }).toArray(),
      ]);
      tasks.sort(
        (a, b) => a.dayId.localeCompare(b.dayId) || a.sectionId.localeCompare(b.sectionId) || a.index - b.index,
      );
      return { plan, days, tasks };
    },
    saveSummary: (tenantId, planId, summary) => setPlan(tenantId, planId, { summary }),
    async refreshDayStatus(tenantId, planId, dayId) {
      const tasks = await c.tasks.find({ tenantId, planId, dayId }, { projection: { status: 1 } }).toArray();
      await c.days.updateOne(
        { _id: dayId, tenantId, planId },
        { $set: { status: dayStatusOf(tasks.map((t) => t.status)) } },
      );
    },
  };
}
