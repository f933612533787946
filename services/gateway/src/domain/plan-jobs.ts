import type { JobType, PayloadOf, Priority } from "@ai-jobs/contracts";
import { notFound } from "@ai-jobs/runtime";
import type { PlanRepository } from "../data/plans.js";
import { assertMayActOn } from "./access.js";
import type { Caller } from "./context.js";
import { requestHash } from "./idempotency.js";
import { type SubmitJobDeps, type SubmittedJob, submitJob } from "./submit-job.js";

export interface PlanJobDeps extends SubmitJobDeps {
  plans: PlanRepository;
  ids: () => string;
}

/** The planner jobs that work on an existing plan. */
export type PlanJobType = Extract<
  JobType,
  "plan.summary" | "plan.export" | "plan.day.generate" | "plan.tasks.generate"
>;

export interface PlanJobRequest<T extends PlanJobType> {
  type: T;
  planId: string;
  payload: PayloadOf<T>;
  priority?: Priority;
  /** `METHOD path` of the route, bound to an `Idempotency-Key` with the request. */
  operation: string;
  idempotencyKey?: string | undefined;
}

/**
 * Submits a job on a plan the caller's tenant owns (another tenant's plan is a 404, like a missing one). The job
 * works on the plan as stored when it runs; what the plan's days and sections are is checked by the planner, which
 * fails the job with NOT_FOUND for a day or section the plan does not have.
 */
export async function submitPlanJob<T extends PlanJobType>(
  deps: PlanJobDeps,
  caller: Caller,
  req: PlanJobRequest<T>,
): Promise<SubmittedJob> {
  const plan = await deps.plans.findById(caller.principal.tenantId, req.planId);
  if (!plan) throw notFound("study plan");
  assertMayActOn(caller.principal, plan.userId, "study plan");
  return submitJob(deps, caller, {
    jobId: deps.ids(),
    type: req.type,
    priority: req.priority ?? "normal",
    payload: req.payload,
    idempotency:
      req.idempotencyKey === undefined
        ? undefined
        : { key: req.idempotencyKey, requestHash: requestHash(req.operation, req.payload) },
  });
}
