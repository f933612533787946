import {
  ERROR_CODES,
  JOB_TYPES,
  type JobRecord,
  type JobType,
  type JobTypeSpec,
  newJobRecord,
  type PayloadOf,
  type Priority,
  wholeSecondAtOrAfter,
} from "@ai-jobs/contracts";
import {
  type AcceptDeps,
  acceptJob,
  activeTraceId,
  CommandRefusedError,
  invalid,
  type JobReader,
  literalTargetRefusal,
  type StorageQuotas,
  serviceUnavailable,
  type TokenBudgets,
  tooManyRequests,
  type WebhookTargetPolicy,
} from "@ai-jobs/runtime";
import type { IdempotencyKeyRepository } from "../data/idempotency-keys.js";
import type { StoredJob } from "../data/jobs.js";
import type { Caller } from "./context.js";
import { claimIdempotencyKey, type Idempotency } from "./idempotency.js";
import { assertUnderQuota } from "./quotas.js";
import { QUEUE_FULL_RETRY_AFTER_S, type TenantQueueCaps } from "./tenant-queue-caps.js";

export interface SubmitJobDeps extends Omit<AcceptDeps, "log"> {
  keys: IdempotencyKeyRepository;
  reader: JobReader;
  /** Each tenant's cap on its waiting jobs per queue and priority (`JOBS_MAX_PER_TENANT`). */
  queueCaps: TenantQueueCaps;
  /** A job that calls the model is refused (429) once its tenant spent its daily token budget. */
  budgets: Pick<TokenBudgets, "check">;
  /** A job that stores a file (an export) is refused (429) once its tenant stores its byte quota there. */
  quotas: Pick<StorageQuotas, "check">;
  /** The events service's webhook policy: a `webhook_url` whose port or IP literal it refuses is a 400 here. */
  webhookTargets: WebhookTargetPolicy;
}

/** The domain record a job works on (a draft plan, a pending document), written before the job is published. */
export interface JobDraft {
  write(): Promise<void>;
  /** Takes the draft back when the job is refused, so a rejected request leaves nothing behind. */
  undo(): Promise<void>;
}

export interface SubmitJobRequest<T extends JobType> {
  /** Minted by the caller, so the draft can point at its job before the job exists. */
  jobId: string;
  type: T;
  priority: Priority;
  payload: PayloadOf<T>;
  draft?: JobDraft;
  /** A delayed or ETA job: held in JOBS_DELAYED until then (rounded up to a whole second). */
  runAt?: Date | undefined;
  /** The client's `Idempotency-Key` with the hash of its request. */
  idempotency?: Idempotency | undefined;
  /** Where the events service POSTs the job's terminal event (`webhook_url`, an http(s) URL; its target is checked here). */
  webhookUrl?: string | undefined;
}

export interface SubmittedJob {
  job: StoredJob;
  /** False when NATS could not take the job yet: the outbox holds it and the reconciler publishes it later. */
  dispatched: boolean;
  /**
   * True when the request repeated an earlier one with the same `Idempotency-Key`: `job` is that request's job, and
   * nothing was created (the caller's draft was not written).
   */
  replayed: boolean;
}

/** Seconds to wait when neither NATS nor MongoDB could take the job. */
const UNAVAILABLE_RETRY_AFTER_S = 2;

/**
 * What happens when a job is submitted, for every job type. JetStream is the job's state of record, so a job is
 * accepted once its `queued` event (which carries the whole job) and its command are in JetStream; the MongoDB record
 * is projected from the `queued` event afterwards, and reads overlay what is not projected yet (`JobReader`):
 *
 * 1. The payload is checked against the job type's schema (a failure here is a bug in the caller, not bad input), and
 *    a `webhook_url` against the webhook target policy (port and IP literal only: no DNS on this path).
 * 2. With an `Idempotency-Key`, the key is claimed before anything is created; a repeated request gets the first
 *    one's job back (`replayed`), a different request under the same key a 422 (see `claimIdempotencyKey`).
 * 3. The tenant's limits are checked: its daily token budget and byte quota where the job type uses them, and its
 *    cap on waiting jobs where it is lower than JOBS' per-subject limit (which JetStream enforces itself in step 5).
 * 4. The draft (the domain record the worker reads) is written, so it exists before any worker can run the job.
 * 5. The job is accepted (`acceptJob`): the `queued` event and the command published pipelined, one round trip.
 *    - The queue refusing the command (JOBS is bounded) means the job was never accepted: the draft is taken back
 *      and the caller gets 503 with `Retry-After` (429 when the bound is the tenant's own share). (The `queued` event that was out is closed by a `failed` event.)
 *    - NATS unreachable or not answering: the outbox in MongoDB holds the job and the answer is still 202; the
 *      events reconciler publishes it when NATS is back.
 * 6. If creating the job fails after the key was claimed, the key is freed so that the client's retry can succeed.
 */
export async function submitJob<T extends JobType>(
  deps: SubmitJobDeps,
  caller: Caller,
  req: SubmitJobRequest<T>,
): Promise<SubmittedJob> {
  const { principal, log } = caller;
  const payload = parsePayload(req.type, req.payload);
  checkWebhookTarget(deps.webhookTargets, req.webhookUrl);

  let release: (() => Promise<void>) | undefined;
  if (req.idempotency) {
    const claim = await claimIdempotencyKey(deps, caller, req.idempotency, req.jobId);
    if (!claim.claimed) return { job: claim.job, dispatched: claim.job.dispatchedAt !== null, replayed: true };
    release = claim.release;
  }

  try {
    const spec: JobTypeSpec = JOB_TYPES[req.type];
    if (spec.spendsTokens) await checkTokenBudget(deps.budgets, principal.tenantId);
    if (spec.storesIn) await assertUnderQuota(deps.quotas, principal.tenantId, spec.storesIn);
    const now = new Date();
    const runAt = req.runAt ? wholeSecondAtOrAfter(req.runAt) : undefined;
    const job = newJobRecord({
      jobId: req.jobId,
      tenantId: principal.tenantId,
      userId: principal.userId,
      type: req.type,
      priority: req.priority,
      payload,
      now,
      traceId: activeTraceId(),
      idempotencyKey: req.idempotency?.key ?? null,
      runAt: runAt ?? null,
      webhookUrl: req.webhookUrl ?? null,
    });

    await deps.queueCaps.assertRoom(job, log);
    await req.draft?.write();
    let accepted: Awaited<ReturnType<typeof acceptJob>>;
    try {
      accepted = await acceptJob({ ...deps, log }, job, { runAt, now });
    } catch (err) {
      await undoDraft(req.draft, caller, job);
      if (err instanceof CommandRefusedError) {
        log.warn(
          { err: err.cause, jobId: job._id, queue: job.queue, refusedBy: err.refusedBy },
          "JetStream refused the job command",
        );
        if (err.refusedBy === "tenant") throw deps.queueCaps.full(job, err);
        throw serviceUnavailable(`the ${job.queue} queue is full; try again later`, QUEUE_FULL_RETRY_AFTER_S, err);
      }
      throw serviceUnavailable("the job could not be stored; try again shortly", UNAVAILABLE_RETRY_AFTER_S, err);
    }
    const dispatched = accepted === "published";
    return { job: { ...job, dispatchedAt: dispatched ? now : null }, dispatched, replayed: false };
  } catch (err) {
    await release?.();
    throw err;
  }
}

function checkWebhookTarget(policy: WebhookTargetPolicy, webhookUrl: string | undefined): void {
  if (webhookUrl === undefined) return;
  const refusal = literalTargetRefusal(new URL(webhookUrl), policy);
  if (refusal) throw invalid("webhook_url", refusal);
}

function parsePayload<T extends JobType>(type: T, payload: PayloadOf<T>): Record<string, unknown> {
  const result = JOB_TYPES[type].payload.safeParse(payload);
  if (!result.success) throw new Error(`invalid ${type} payload built by the gateway: ${result.error.message}`);
  return result.data as Record<string, unknown>;
}

async function undoDraft(draft: JobDraft | undefined, caller: Caller, job: JobRecord): Promise<void> {
  await draft?.undo().catch((err: unknown) => {
    caller.log.error({ err, jobId: job._id }, "could not undo the draft of a refused job");
  });
}

/** A tenant that spent its daily token budget gets 429 until the UTC day ends (the planner checks again at start). */
async function checkTokenBudget(budgets: Pick<TokenBudgets, "check">, tenantId: string): Promise<void> {
  const budget = await budgets.check(tenantId);
  if (budget.allowed) return;
  throw tooManyRequests(
    ERROR_CODES.budgetExceeded,
    `limit LLM_DAILY_TOKEN_BUDGET: this tenant spent ${budget.spent} of its ${budget.budget} tokens today (UTC); ` +
      "jobs that call the model are refused until the day ends",
    Math.ceil(budget.resetInMs / 1000),
  );
}
