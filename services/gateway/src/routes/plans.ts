import { GeneratePlanRequest, GeneratePlanResponse, PlanView } from "@ai-jobs/contracts";
import { notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { PlanRepository } from "../data/plans.js";
import { type GeneratePlanDeps, generatePlan } from "../domain/generate-plan.js";
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, parseIdempotencyKey } from "../domain/idempotency.js";
import { callerOf } from "../plugins/auth.js";
import { toGeneratePlanResponse, toPlanView } from "../views.js";

export interface PlanRoutesOptions {
  generate: GeneratePlanDeps;
  plans: PlanRepository;
}

/** `/study-plans/generate/` and `/study-plans/{id}/`. */
export const planRoutes: FastifyPluginAsyncZod<PlanRoutesOptions> = async (app, opts) => {
  app.post(
    "/study-plans/generate",
    {
      // A bad Idempotency-Key is refused before the body is looked at.
      preValidation: async (request) => {
        parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
      },
      schema: { body: GeneratePlanRequest, response: { 202: GeneratePlanResponse } },
    },
    async (request, reply) => {
      const idempotencyKey = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
      const { plan, submitted } = await generatePlan(opts.generate, callerOf(request), request.body, {
        idempotencyKey,
      });
      if (submitted.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, "true");
      return reply.code(202).send(toGeneratePlanResponse(plan, submitted.job._id));
    },
  );

  const read = { params: z.object({ id: z.string() }), response: { 200: PlanView } };
  app.get("/study-plans/:id", { schema: read }, async (request) => {
    const found = await opts.plans.findWithContent(request.principal.tenantId, request.params.id);
    if (!found) throw notFound("study plan");
    return toPlanView(found.plan, found.days, found.tasks);
  });
};
