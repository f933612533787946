import {
  type GeneratePlanRequest,
  PlanGeneratePayload,
  planBriefOf,
  runAtOf,
  type StudyPlan,
} from "@ai-jobs/contracts";
import { notFound } from "@ai-jobs/runtime";
import type { PlanRepository } from "../data/plans.js";
import type { Caller } from "./context.js";
import { requestHash } from "./idempotency.js";
import { type SubmitJobDeps, type SubmittedJob, submitJob } from "./submit-job.js";

export interface GeneratePlanDeps extends SubmitJobDeps {
  plans: PlanRepository;
  ids: () => string;
}

export interface GeneratedPlan {
  plan: StudyPlan;
  submitted: SubmittedJob;
}

export interface GeneratePlanOptions {
  /** The client's `Idempotency-Key`, if it sent one. */
  idempotencyKey?: string | undefined;
}

/** The operation an `Idempotency-Key` is bound to, with the validated body. */
const OPERATION = "POST /api/ai/study-plans/generate";

const TITLE_MAX = 80;

/** A title for a plan the client did not name: the goal's first line, cut at a word boundary. */
export function titleFromGoal(goal: string): string {
  const line = (goal.split(/\r?\n/).find((l) => l.trim() !== "") ?? goal).replace(/\s+/g, " ").trim();
  if (line.length <= TITLE_MAX) return line;
  const cut = line.slice(0, TITLE_MAX - 1);
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > TITLE_MAX / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/**
 * What happens when a plan is generated: a draft plan (`generation_status: pending`, no days yet) is stored with
 * the id of the `plan.generate` job that will fill it, and the job is submitted, now or at `delay_ms`/`run_at`.
 * The planner writes the days and tasks; the client follows the job, or reads the plan again. A request repeated
 * under the same `Idempotency-Key` creates nothing and answers with the first request's plan and job.
 */
export async function generatePlan(
  deps: GeneratePlanDeps,
  caller: Caller,
  body: GeneratePlanRequest,
  opts: GeneratePlanOptions = {},
): Promise<GeneratedPlan> {
  const now = new Date();
  const jobId = deps.ids();
  const plan: StudyPlan = {
    _id: deps.ids(),
    tenantId: caller.principal.tenantId,
    userId: caller.principal.userId,
    title: body.title ?? titleFromGoal(body.goal),
    goal: body.goal,
    studyContext: body.study_context ?? null,
    startDate: body.start_date,
    endDate: body.end_date,
    dailyMinutes: body.daily_minutes,
    generationStatus: "pending",
    ingestStatus: "none",
    lastError: null,
    jobId,
    provider: null,
    createdAt: now,
    updatedAt: now,
  };
  const submitted = await submitJob(deps, caller, {
    jobId,
    type: "plan.generate",
    priority: body.priority,
    runAt: runAtOf(body, now.getTime()),
    webhookUrl: body.webhook_url,
    idempotency:
      opts.idempotencyKey === undefined
        ? undefined
        : { key: opts.idempotencyKey, requestHash: requestHash(OPERATION, body) },
    payload: { planId: plan._id, ...planBriefOf(plan) },
    draft: {
      write: () => deps.plans.insert(plan),
      undo: () => deps.plans.remove(plan.tenantId, plan._id),
    },
  });
  if (!submitted.replayed) return { plan, submitted };
  const { planId } = PlanGeneratePayload.parse(submitted.job.payload);
  const original = await deps.plans.findById(plan.tenantId, planId);
  if (!original) throw notFound("study plan");
  return { plan: original, submitted };
}
