/**
 * Test support for the events service (not built, not a test file): a real nats-server and a FerretDB per suite,
 * the service context booted against them, and builders for job records and events.
 */
import type { JobEvent, JobRecord } from "@ai-jobs/contracts";
import { JobRecord as JobRecordSchema } from "@ai-jobs/contracts";
import {
  bootService,
  closeService,
  createIdGenerator,
  createJobOutbox,
  createJobReader,
  type JobOutbox,
  type JobReader,
  loadConfig,
  type ServiceContext,
} from "@ai-jobs/runtime";
import { type MongoServer, type NatsServer, startMongo, startNats } from "@ai-jobs/testkit";
import { configShape } from "../config.js";

export const TOKENS = { acme: "t1", globex: "t2" } as const;

export interface Harness {
  nats: NatsServer;
  mongo: MongoServer;
  ctx: ServiceContext;
  config: ReturnType<typeof loadConfig<typeof configShape>>;
  newJobId: () => string;
  outbox: JobOutbox;
  /** Jobs as the services read them: the projected record with the events not projected yet. */
  reader: JobReader;
  /** A valid job record, as the gateway would create it (not stored). */
  jobRecord(overrides?: Partial<JobRecord>): JobRecord;
  /** Inserts a valid job record, as the projector would for a job's `queued` event. */
  insertJob(overrides?: Partial<JobRecord>): Promise<JobRecord>;
  /**
   * Publishes through the runtime's job event publisher; resolves with the stream sequence. `n` tells apart events of
   * the same job, attempt and kind (the publisher deduplicates on them).
   */
  publish(event: JobEvent, n?: number): Promise<number>;
  /** How many messages `stream` holds on exactly `subject`. */
  countOn(stream: string, subject: string): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const config = loadConfig(configShape, {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    AUTH_TOKENS: `${TOKENS.acme}:acme:admin,${TOKENS.globex}:globex:user`,
    LOG_LEVEL: "silent",
    ...env,
  });
  const ctx = await bootService("events-test", "0.0.0", config);
  const newJobId = createIdGenerator();
  const outbox = createJobOutbox(ctx.mongo.collections.jobOutbox);
  const reader = createJobReader({ jobs: ctx.mongo.collections.jobs, jsm: ctx.nats.jsm, outbox, log: ctx.log });
  const jobRecord = (overrides: Partial<JobRecord> = {}): JobRecord => {
    const now = new Date();
    return JobRecordSchema.parse({
      _id: newJobId(),
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
    nats,
    mongo,
    ctx,
    config,
    newJobId,
    outbox,
    reader,
    jobRecord,
    async insertJob(overrides = {}) {
      const record = jobRecord(overrides);
      await ctx.mongo.collections.jobs.insertOne(record);
      return record;
    },
    async publish(event, n) {
      return (await ctx.events.publish(event, n === undefined ? {} : { n })).seq;
    },
    async countOn(stream, subject) {
      const info = await ctx.nats.jsm.streams.info(stream, { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    },
    async close() {
      await closeService(ctx).catch(() => undefined);
      await Promise.all([nats.cleanup(), mongo.cleanup()]);
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
