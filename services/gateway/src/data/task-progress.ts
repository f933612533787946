import { completionOf, dayStatusOf, type PlanCompletion, type StudyTask, type TaskStatus } from "@ai-jobs/contracts";
import type { Collections } from "@ai-jobs/runtime";

export interface TaskProgressResult {
  task: StudyTask;
  dayStatus: ReturnType<typeof dayStatusOf>;
  completion: PlanCompletion;
}

/** Task progress as stored: the task, then its day's status and its plan's completion, recomputed. */
export interface TaskProgressRepository {
  /**
   * Null when the tenant has no such task. `mayAct` gets the id of the user who created the task's plan before
   * anything is written, and throws to refuse.
   */
  record(
    tenantId: string,
    taskId: string,
    update: { status: TaskStatus; timeSpentMinutes: number },
    mayAct?: (planOwner: string) => void,
  ): Promise<TaskProgressResult | null>;
}

export function createTaskProgressRepository(c: Pick<Collections, "tasks" | "days" | "plans">): TaskProgressRepository {
  return {
    async record(tenantId, taskId, update, mayAct) {
      const task = await c.tasks.findOne({ _id: taskId, tenantId });
      if (!task) return null;
      if (mayAct) {
        const plan = await c.plans.findOne({ _id: task.planId, tenantId }, { projection: { userId: 1 } });
        if (!plan) return null;
        mayAct(plan.userId);
      }
      const updated: StudyTask = { ...task, status: update.status, timeSpentMinutes: update.timeSpentMinutes };
      await c.tasks.updateOne(
        { _id: taskId, tenantId },
        { $set: { status: update.status, timeSpentMinutes: update.timeSpentMinutes } },
      );
      // Recomputed from every task, not adjusted by a delta: a repeated or concurrent update cannot drift.
      const planTasks = await c.tasks
        .find({ tenantId, planId: task.planId }, { projection: { _id: 1, dayId: 1, status: 1, timeSpentMinutes: 1 } })
        .toArray();
      const current = planTasks.map((t) => (t._id === taskId ? { ...t, ...update } : t));
      const dayStatus = dayStatusOf(current.filter((t) => t.dayId === task.dayId).map((t) => t.status));
      const completion = completionOf(current);
      await c.days.updateOne({ _id: task.dayId, tenantId }, { $set: { status: dayStatus } });
      await c.plans.updateOne({ _id: task.planId, tenantId }, { $set: { completion, updatedAt: new Date() } });
      return { task: updated, dayStatus, completion };
    },
  };
}
