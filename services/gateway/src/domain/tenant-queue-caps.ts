import { ERROR_CODES, type JobRecord } from "@ai-jobs/contracts";
import type { Logger } from "@ai-jobs/runtime";
import { type AppError, tooManyRequests } from "@ai-jobs/runtime";
import type { WaitingJobCounter } from "../data/waiting-jobs.js";

/** Seconds a client should wait before submitting again to a full queue. */
export const QUEUE_FULL_RETRY_AFTER_S = 5;

export interface TenantQueueCapSettings {
  JOBS_MAX_PER_TENANT: number;
  JOBS_MAX_PER_TENANT_TENANTS: ReadonlyMap<string, number>;
  /** JOBS' per-subject limit (`jobsPerSubjectLimit`): JetStream enforces it, atomically, for every tenant. */
  perSubjectLimit: number;
}

type QueuedJob = Pick<JobRecord, "tenantId" | "queue" | "priority">;

export interface TenantQueueCaps {
  /**
   * 429 TENANT_QUEUE_FULL when a tenant whose cap is below JOBS' per-subject limit already has that many jobs in the
   * job's queue and priority. Tenants at the limit cost nothing here: JetStream refuses their command itself. A count
   * that fails (NATS unreachable) lets the job through: the outbox takes it then, as it would any other job.
   */
  assertRoom(job: QueuedJob, log: Pick<Logger, "warn">): Promise<void>;
  /** The 429 for a command JetStream refused at the per-subject limit. */
  full(job: QueuedJob, cause: unknown): AppError;
}

/**
 * Per-tenant caps on waiting jobs. JetStream's per-subject limit is exact and free but one value for the stream, so
 * it is set to the largest cap, and a tenant given a lower one is counted before its submit. That count is read,
 * then published against: concurrent submits of one tenant (on every replica) may pass it together, so a lowered
 * cap may be overshot by the submits in flight at that moment, never by more.
 */
export function createTenantQueueCaps(settings: TenantQueueCapSettings, count: WaitingJobCounter): TenantQueueCaps {
  const capOf = (tenantId: string) =>
    settings.JOBS_MAX_PER_TENANT_TENANTS.get(tenantId) ?? settings.JOBS_MAX_PER_TENANT;
  const full = (job: QueuedJob, cause?: unknown) =>
    tooManyRequests(
      ERROR_CODES.tenantQueueFull,
      `limit JOBS_MAX_PER_TENANT: this tenant already has ${capOf(job.tenantId)} jobs waiting or running in the ` +
        `${job.queue} queue at priority ${job.priority}; try again once some have finished`,
      QUEUE_FULL_RETRY_AFTER_S,
      cause,
    );
  return {
    async assertRoom(job, log) {
      const cap = capOf(job.tenantId);
      if (cap >= settings.perSubjectLimit) return;
      const waiting = await count(job.queue, job.priority, job.tenantId).catch((err: unknown) => {
        log.warn({ err, tenantId: job.tenantId }, "could not count the tenant's waiting jobs; its cap is not checked");
        return 0;
      });
      if (waiting >= cap) throw full(job);
    },
    full,
  };
}
