import { TaskProgressRequest, TaskProgressResponse } from "@ai-jobs/contracts";
import { notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
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
export const studyTaskRoutes: FastifyPluginAsyncZod<StudyTaskRoutesOptions> = async (app, opts) => {
  const schema = {
    params: z.object({ task_id: z.string() }),
    body: TaskProgressRequest,
    response: { 200: TaskProgressResponse },
  };
  app.post("/study-tasks/:task_id/progress", { schema }, async (request) => {
    const { body, principal } = request;
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
