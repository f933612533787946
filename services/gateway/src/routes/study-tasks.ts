import { TaskProgressRequest, type TaskProgressResponse } from "@ai-jobs/contracts";
import { notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsync } from "fastify";
import type { TaskProgressRepository } from "../data/task-progress.js";
import { assertMayActOn } from "../domain/access.js";
import { toCompletionView } from "../views.js";

export interface StudyTaskRoutesOptions {
  progress: TaskProgressRepository;
}

/**
 * `POST /study-tasks/{task_id}/progress/`, synchronous: records a task's status and total minutes spent, then
 * recomputes its day's status and its plan's completion, and answers with all three.
 */
export const studyTaskRoutes: FastifyPluginAsync<StudyTaskRoutesOptions> = async (app, opts) => {
  app.post<{ Params: { task_id: string } }>("/study-tasks/:task_id/progress", async (request) => {
    const body = TaskProgressRequest.parse(request.body);
    const { principal } = request;
    const result = await opts.progress.record(
      principal.tenantId,
      request.params.task_id,
      { status: body.status, timeSpentMinutes: body.time_spent_minutes },
      // A member records progress only on the plans they created.
      (planOwner) => assertMayActOn(principal, planOwner, "study plan"),
    );
    if (!result) throw notFound("study task");
    const response: TaskProgressResponse = {
      task_id: result.task._id,
      status: result.task.status,
      time_spent_minutes: result.task.timeSpentMinutes,
      day: { id: result.task.dayId, status: result.dayStatus },
      plan: { id: result.task.planId, completion: toCompletionView(result.completion) },
    };
    return response;
  });
};
