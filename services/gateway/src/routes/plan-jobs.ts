import { PlanExportRequest, PlanJobResponse, PlanTasksRequest } from "@ai-jobs/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from "../domain/idempotency.js";
import { type PlanJobDeps, type PlanJobRequest, type PlanJobType, submitPlanJob } from "../domain/plan-jobs.js";
import { callerOf } from "../plugins/auth.js";

export interface PlanJobRoutesOptions {
  submit: PlanJobDeps;
}

const PlanParams = z.object({ id: z.string() });
const accepted = { 202: PlanJobResponse };
/** The export's body is optional: none means the defaults. */
const ExportBody = z.preprocess((body) => body ?? {}, PlanExportRequest);

/**
 * The planner jobs on an existing plan, each answering 202 with `{plan_id, job_id}` (follow the job as usual):
 * - `POST /study-plans/{id}/summary/`: `plan.summary`;
 * - `POST /study-plans/{id}/export/`: `plan.export` (body `{format: "xlsx"}`, optional);
 * - `POST /study-plans/{id}/days/{day_id}/generate/`: `plan.day.generate`, create or regenerate one day's tasks;
 * - `POST /study-plans/{id}/tasks/`: `plan.tasks.generate`, body `{day_id, section_id}`.
 */
export const planJobRoutes: FastifyPluginAsyncZod<PlanJobRoutesOptions> = async (app, opts) => {
  const send = async <T extends PlanJobType>(
    request: FastifyRequest,
    reply: FastifyReply,
    job: Omit<PlanJobRequest<T>, "idempotencyKey">,
  ) => {
    const idempotencyKey = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
    const submitted = await submitPlanJob(opts.submit, callerOf(request), { ...job, idempotencyKey });
    if (submitted.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, "true");
    const body: PlanJobResponse = { plan_id: job.planId, job_id: submitted.job._id };
    return reply.code(202).send(body);
  };

  app.post("/study-plans/:id/summary", { schema: { params: PlanParams, response: accepted } }, (request, reply) =>
    send(request, reply, {
      type: "plan.summary",
      planId: request.params.id,
      payload: { planId: request.params.id },
      operation: "POST /api/ai/study-plans/{id}/summary",
    }),
  );

  const exportSchema = { params: PlanParams, body: ExportBody, response: accepted };
  app.post("/study-plans/:id/export", { schema: exportSchema }, (request, reply) => {
    const { body } = request;
    return send(request, reply, {
      type: "plan.export",
      planId: request.params.id,
      payload: { planId: request.params.id, format: body.format },
      operation: "POST /api/ai/study-plans/{id}/export",
    });
  });

  const daySchema = { params: z.object({ id: z.string(), day_id: z.string() }), response: accepted };
  app.post("/study-plans/:id/days/:day_id/generate", { schema: daySchema }, (request, reply) =>
    send(request, reply, {
      type: "plan.day.generate",
      planId: request.params.id,
      payload: { planId: request.params.id, dayId: request.params.day_id },
      operation: "POST /api/ai/study-plans/{id}/days/{day_id}/generate",
    }),
  );

  const tasksSchema = { params: PlanParams, body: PlanTasksRequest, response: accepted };
  app.post("/study-plans/:id/tasks", { schema: tasksSchema }, (request, reply) => {
    const { body } = request;
    return send(request, reply, {
      type: "plan.tasks.generate",
      planId: request.params.id,
      payload: { planId: request.params.id, dayId: body.day_id, sectionId: body.section_id },
      operation: "POST /api/ai/study-plans/{id}/tasks",
    });
  });
};
