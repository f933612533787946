/**
 * Test support for the events service (not built, not a test file): the testkit's service harness booted with the
 * events service's settings, and builders for job records and events.
 */
import type { JobEvent, JobRecord } from "@ai-jobs/contracts";
import { JobRecord as JobRecordSchema } from "@ai-jobs/contracts";
import { loadConfig } from "@ai-jobs/runtime";
import { type ServiceHarness, startServiceHarness } from "@ai-jobs/testkit";
import { configShape } from "../config.js";

export const TOKENS = { acme: "t1", globex: "t2" } as const;

export interface Harness extends ServiceHarness<ReturnType<typeof loadConfig<typeof configShape>>> {
  /** A valid job record, as the gateway would create it (not stored). */
  jobRecord(overrides?: Partial<JobRecord>): JobRecord;
  /** Inserts a valid job record, as the projector would for a job's `queued` event. */
  insertJob(overrides?: Partial<JobRecord>): Promise<JobRecord>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startServiceHarness({
    service: "events",
    config: (settings) => loadConfig(configShape, settings),
    env: { AUTH_TOKENS: `${TOKENS.acme}:acme:admin,${TOKENS.globex}:globex:user`, ...env },
  });
  const jobRecord = (overrides: Partial<JobRecord> = {}): JobRecord => {
    const now = new Date();
    return JobRecordSchema.parse({
      _id: h.newId(),
      tenantId: "acme",
      userId: "u_test",
      type: "plan.generate",
      queue: "ai_generation",
      priority: "normal",
      status: "queued",
      progress: { pct: 0 },
      attempt: 0,
      maxAttempts: 3,
      payload: {},
      resultRefs: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      dispatchedAt: now,
      traceId: null,
      seq: 0,
      ...overrides,
    });
  };
  return {
    ...h,
    jobRecord,
    async insertJob(overrides = {}) {
      const record = jobRecord(overrides);
      await h.ctx.mongo.collections.jobs.insertOne(record);
      return record;
    },
  };
}

type JobRef = Pick<JobRecord, "_id" | "tenantId">;

const base = (job: JobRef, attempt: number) => ({
  jobId: job._id,
  tenantId: job.tenantId,
  type: "plan.generate",
  attempt,
  at: new Date().toISOString(),
});

/** Job event builders. */
export const ev = {
  queued: (job: JobRef): JobEvent => ({ ...base(job, 0), kind: "queued", data: {} }),
  /** The n-th explicit retry: publish it with `n` so it is not deduplicated against the first `queued`. */
  retried: (job: JobRef, n: number): JobEvent => ({ ...base(job, 0), kind: "queued", data: { retry: n } }),
  started: (job: JobRef, attempt = 1): JobEvent => ({ ...base(job, attempt), kind: "started", data: { worker: "w1" } }),
  progress: (job: JobRef, data: { pct?: number; step?: string; message: string }, attempt = 1): JobEvent => ({
    ...base(job, attempt),
    kind: "progress",
    data,
  }),
  log: (job: JobRef, message: string, attempt = 1): JobEvent => ({
    ...base(job, attempt),
    kind: "log",
    data: { level: "info", message },
  }),
  retrying: (job: JobRef, message: string, attempt = 1): JobEvent => ({
    ...base(job, attempt),
    kind: "retrying",
    data: { error: { code: "UPSTREAM_UNAVAILABLE", message }, nextAttemptAt: new Date().toISOString() },
  }),
  succeeded: (job: JobRef, result: Record<string, unknown>, attempt = 1): JobEvent => ({
    ...base(job, attempt),
    kind: "succeeded",
    data: { result },
  }),
  failed: (job: JobRef, message: string, attempt = 1): JobEvent => ({
    ...base(job, attempt),
    kind: "failed",
    data: { error: { code: "HANDLER_FAILED", message } },
  }),
  cancelled: (job: JobRef, attempt = 1): JobEvent => ({ ...base(job, attempt), kind: "cancelled", data: {} }),
};
