import {
  CONSUMERS,
  GeneratePlanResponse,
  JobCommand,
  JobEvent,
  JobEventView,
  JobListView,
  JobView,
  STREAMS,
  SUBJECTS,
} from "@ai-jobs/contracts";
import { createCancellation, createIdGenerator, type JobEventRecord } from "@ai-jobs/runtime";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, jobRecord, otherAuth, planBody, problemOf, startHarness } from "../../test/harness.js";
import type { StoredJob } from "../data/jobs.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;
const ids = createIdGenerator();

beforeAll(async () => {
  app = await h.app();
});

const jobs = () => h.ctx.mongo.collections.jobs;
const cancellation = () => createCancellation(h.ctx.nats.js);
const submit = async (overrides: Record<string, unknown> = {}) => {
  const res = await app.inject({
    method: "POST",
    url: "/api/ai/study-plans/generate/",
    headers: auth,
    payload: planBody(overrides),
  });
  expect(res.statusCode).toBe(202);
  return GeneratePlanResponse.parse(res.json());
};
const insertJob = async (overrides: Partial<StoredJob> = {}): Promise<StoredJob> => {
  const job = jobRecord(ids(), overrides);
  await jobs().insertOne(job);
  return job;
};
const cancel = (jobId: string, headers = auth) =>
  app.inject({ method: "DELETE", url: `/api/ai/jobs/${jobId}/`, headers });
const retry = (jobId: string, headers = auth) =>
  app.inject({ method: "POST", url: `/api/ai/jobs/${jobId}/retry/`, headers });
const lastEvent = (jobId: string, kind: string, tenantId = "acme") =>
  h.ctx.nats.jsm.streams.getMessage(STREAMS.events, { last_by_subj: SUBJECTS.event(tenantId, jobId, kind) });

describe("GET /api/ai/jobs/", () => {
  const TYPE = "list.test";
  let listed: StoredJob[];

  beforeAll(async () => {
    listed = [];
    for (const status of ["failed", "succeeded", "failed", "queued", "failed"] as const) {
      listed.push(await insertJob({ type: TYPE, status }));
    }
    await insertJob({ type: TYPE, tenantId: "globex" });
  });

  const list = async (query: string, headers = auth) => {
    const res = await app.inject({ method: "GET", url: `/api/ai/jobs/?${query}`, headers });
    expect(res.statusCode).toBe(200);
    return JobListView.parse(res.json());
  };
  const newestFirst = () => [...listed].reverse().map((j) => j._id);

  it("lists the tenant's jobs newest first, a page at a time with next_cursor", async () => {
    const first = await list(`type=${TYPE}&limit=2`);
    expect(first.items.map((j) => j.job_id)).toEqual(newestFirst().slice(0, 2));
    expect(first.next_cursor).toBe(newestFirst()[1]);
    const second = await list(`type=${TYPE}&limit=2&cursor=${first.next_cursor}`);
    expect(second.items.map((j) => j.job_id)).toEqual(newestFirst().slice(2, 4));
    const third = await list(`type=${TYPE}&limit=2&cursor=${second.next_cursor}`);
    expect(third.items.map((j) => j.job_id)).toEqual(newestFirst().slice(4));
    expect(third.next_cursor).toBeNull();
  });

  it("filters by status and type, and shows each job as its JobView", async () => {
    const failed = await list(`type=${TYPE}&status=failed`);
    expect(failed.items.map((j) => j.job_id)).toEqual(
      newestFirst().filter((id) => listed.find((j) => j._id === id)?.status === "failed"),
    );
    expect(failed.items[0]).toMatchObject({ type: TYPE, status: "failed", retries: 0, run_at: null });
    expect(failed.next_cursor).toBeNull();
  });

  it("lists without filters, and never another tenant's jobs", async () => {
    const all = await list("");
    expect(all.items.length).toBeGreaterThanOrEqual(5);
    const ids = all.items.map((j) => j.job_id);
    expect(ids).toEqual([...ids].sort().reverse());
    const globex = await list(`type=${TYPE}`, otherAuth);
    expect(globex.items).toHaveLength(1);
    expect(globex.items.map((j) => j.job_id)).not.toContain(listed[0]?._id);
  });

  it("filters by queue, priority and a created_at range", async () => {
    const TYPED = "list.filters";
    const at = (iso: string) => new Date(iso);
    const early = await insertJob({ type: TYPED, createdAt: at("2026-11-01T08:00:00Z") });
    const ingest = await insertJob({
      type: TYPED,
      queue: "ingest",
      priority: "low",
      createdAt: at("2026-11-01T09:00:00Z"),
    });
    const late = await insertJob({ type: TYPED, priority: "high", createdAt: at("2026-11-01T10:00:00Z") });
    const ids = async (query: string) => (await list(`type=${TYPED}&${query}`)).items.map((j) => j.job_id);
    expect(await ids("queue=ingest")).toEqual([ingest._id]);
    expect(await ids("queue=ai_generation")).toEqual([late._id, early._id]);
    expect(await ids("priority=high")).toEqual([late._id]);
    expect(await ids("since=2026-11-01T09:00:00Z")).toEqual([late._id, ingest._id]);
    expect(await ids("until=2026-11-01T09:00:00Z")).toEqual([early._id]);
    expect(await ids("since=2026-11-01T09:30:00%2B01:00&until=2026-11-01T10:00:01Z")).toEqual([late._id, ingest._id]);
    expect(await ids("queue=ai_generation&priority=normal&since=2026-11-01T07:00:00Z")).toEqual([early._id]);
  });

  for (const [query, field] of [
    ["queue=email", "queue"],
    ["priority=urgent", "priority"],
    ["since=yesterday", "since"],
    ["until=2026-11-01T10:00:00", "until"],
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=many", "limit"],
    ["status=pending", "status"],
    ["colour=blue", "colour"],
  ] as const) {
    it(`answers 400 naming the field for ${query}`, async () => {
      const res = await app.inject({ method: "GET", url: `/api/ai/jobs/?${query}`, headers: auth });
      expect(res.statusCode).toBe(400);
      const problem = problemOf(res);
      expect(problem.code).toBe("VALIDATION_FAILED");
      expect(problem.errors?.map((e) => e.field)).toContain(field);
    });
  }
});

describe("GET /api/ai/jobs/:job_id/events/", () => {
  it("answers the job's stored events in stream order", async () => {
    const job = await insertJob();
    const other = await insertJob();
    const event = (seq: number, jobId: string, kind: string, data: Record<string, unknown> = {}): JobEventRecord => ({
      _id: seq,
      jobId,
      tenantId: "acme",
      kind,
      attempt: kind === "queued" ? 0 : 1,
      at: new Date(Date.UTC(2026, 10, 1, 10, 0, seq)),
      data,
    });
    await h.ctx.mongo.collections.jobEvents.insertMany([
      event(103, job._id, "failed", { error: { code: "HANDLER_FAILED", message: "boom" } }),
      event(101, job._id, "queued"),
      event(104, other._id, "queued"),
      event(102, job._id, "started", { worker: "planner-1" }),
    ]);

    const res = await app.inject({ method: "GET", url: `/api/ai/jobs/${job._id}/events`, headers: auth });
    expect(res.statusCode).toBe(200);
    const items = (res.json() as { items: unknown[] }).items.map((e) => JobEventView.parse(e));
    expect(items.map((e) => e.seq)).toEqual([101, 102, 103]);
    expect(items[1]).toEqual({
      seq: 102,
      kind: "started",
      attempt: 1,
      at: "2026-11-01T10:01:42.000Z",
      data: { worker: "planner-1" },
    });
  });

  it("answers 404 for another tenant's job and for an unknown one", async () => {
    const job = await insertJob();
    expect(
      (await app.inject({ method: "GET", url: `/api/ai/jobs/${job._id}/events/`, headers: otherAuth })).statusCode,
    ).toBe(404);
    const unknown = await app.inject({ method: "GET", url: `/api/ai/jobs/${ids()}/events/`, headers: auth });
    expect(unknown.statusCode).toBe(404);
    expect(problemOf(unknown).code).toBe("NOT_FOUND");
  });
});

describe("DELETE /api/ai/jobs/:job_id/ (cancel)", () => {
  const read = async (jobId: string) =>
    JobView.parse((await app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/`, headers: auth })).json());

  it("cancels a queued job at once: the durable flag, and the cancelled event, which reads reflect at once", async () => {
    const { job_id: jobId } = await submit();
    const res = await cancel(jobId);
    expect(res.statusCode).toBe(202);
    expect(JobView.parse(res.json())).toMatchObject({ job_id: jobId, status: "cancelled" });

    // No projector runs in these tests: the gateway writes no record, and reads overlay the job's events.
    expect(await jobs().findOne({ _id: jobId })).toBeNull();
    expect(await read(jobId)).toMatchObject({ status: "cancelled" });
    expect(await cancellation().isRequested(jobId)).toBe(true);
    const event = JobEvent.parse((await lastEvent(jobId, "cancelled"))?.json());
    expect(event).toMatchObject({ kind: "cancelled", jobId, attempt: 0, data: { reason: "cancelled by request" } });
  });

  it("once the cancellation is final, another DELETE answers 409 and publishes nothing", async () => {
    const { job_id: jobId } = await submit();
    expect((await cancel(jobId)).statusCode).toBe(202);
    const before = await h.counts();
    const again = await cancel(jobId);
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).detail).toContain("cancelled already");
    expect(await h.counts()).toEqual(before);
  });

  it("leaves a running job to its worker: the flag is set, no cancelled event is published here", async () => {
    const job = await insertJob({ status: "running", attempt: 1, finishedAt: null, lastError: null });
    const res = await cancel(job._id);
    expect(res.statusCode).toBe(202);
    expect(JobView.parse(res.json()).status).toBe("running");
    expect(await cancellation().isRequested(job._id)).toBe(true);
    expect(await lastEvent(job._id, "cancelled")).toBeNull();
  });

  it("cancels a job between attempts (retrying) at once", async () => {
    const job = await insertJob({ status: "retrying", attempt: 1, finishedAt: null });
    const res = await cancel(job._id);
    expect(res.statusCode).toBe(202);
    expect(JobEvent.parse((await lastEvent(job._id, "cancelled"))?.json())).toMatchObject({ attempt: 1 });
  });

  for (const status of ["succeeded", "failed", "cancelled"] as const) {
    it(`answers 409 for a ${status} job and changes nothing`, async () => {
      const job = await insertJob({ status });
      const before = await h.counts();
      const res = await cancel(job._id);
      expect(res.statusCode).toBe(409);
      expect(problemOf(res)).toMatchObject({ status: 409, code: "CONFLICT" });
      expect(await cancellation().isRequested(job._id)).toBe(false);
      expect(await h.counts()).toEqual(before);
    });
  }

  it("answers 404 for another tenant's job and for an unknown one, and sets nothing", async () => {
    const { job_id: jobId } = await submit();
    expect((await cancel(jobId, otherAuth)).statusCode).toBe(404);
    expect(await cancellation().isRequested(jobId)).toBe(false);
    expect(await lastEvent(jobId, "cancelled")).toBeNull();
    expect((await cancel(ids())).statusCode).toBe(404);
  });
});

describe("POST /api/ai/jobs/:job_id/retry/", () => {
  /** The one message on a consumer nobody else in this file uses (priority low), taken and acked. */
  const takeLow = async () => {
    const consumer = await h.ctx.nats.js.consumers.get(STREAMS.jobs, CONSUMERS.worker("ai_generation", "low"));
    const msg = await consumer.next({ expires: 2_000 });
    await msg?.ackAck();
    return msg;
  };
  /** What a worker publishes when an attempt of the job fails for good. */
  const failAgain = async (job: StoredJob, retry: number) => {
    const base = { jobId: job._id, tenantId: job.tenantId, type: job.type, attempt: 1, at: new Date().toISOString() };
    await h.ctx.events.publish({ ...base, kind: "started", data: {} }, { run: 1_000 + retry });
    await h.ctx.events.publish(
      { ...base, kind: "failed", data: { error: { code: "HANDLER_FAILED", message: "again" } } },
      { run: 1_000 + retry },
    );
  };

  it("retries a failed job: fresh attempts, queued event with retry=1, the stored command under a new msg id", async () => {
    const job = await insertJob({ priority: "low" });
    await cancellation().request(job._id, { tenantId: "acme", requestedBy: "u_test" });

    const res = await retry(job._id);
    expect(res.statusCode).toBe(202);
    expect(JobView.parse(res.json())).toMatchObject({ job_id: job._id, status: "queued", retries: 1 });

    // The record is the projector's to change; reads overlay the retry's `queued` event at once.
    expect(await jobs().findOne<StoredJob>({ _id: job._id })).toMatchObject({ retries: 0, status: "failed" });
    const read = await app.inject({ method: "GET", url: `/api/ai/jobs/${job._id}/`, headers: auth });
    expect(JobView.parse(read.json())).toMatchObject({ status: "queued", retries: 1, attempt: 0, last_error: null });
    expect(await cancellation().isRequested(job._id)).toBe(false);

    const queued = await lastEvent(job._id, "queued");
    expect(JobEvent.parse(queued?.json())).toMatchObject({ kind: "queued", attempt: 0, data: { retry: 1 } });
    expect(queued?.header.get("Nats-Msg-Id")).toBe(`${job._id}:0:0:queued:1`);

    const msg = await takeLow();
    expect(msg?.headers?.get("Nats-Msg-Id")).toBe(`${job._id}:retry:1`);
    // A new message: JetStream counts its deliveries (the job's attempts) from 1 again.
    expect(msg?.info.deliveryCount).toBe(1);
    expect(JobCommand.parse(msg?.json())).toMatchObject({
      jobId: job._id,
      tenantId: "acme",
      type: "plan.generate",
      priority: "low",
      payload: job.payload,
      createdAt: job.createdAt.toISOString(),
    });
  });

  it("refuses a second retry while the first one runs, then retries again with the next number", async () => {
    const job = await insertJob({ priority: "low", status: "cancelled" });
    const { retries: _none, ...withoutRetries } = job; // a record from before `retries` existed
    await jobs().replaceOne({ _id: job._id }, withoutRetries);

    expect((await retry(job._id)).statusCode).toBe(202);
    expect((await takeLow())?.headers?.get("Nats-Msg-Id")).toBe(`${job._id}:retry:1`);

    // The retry's `queued` event reopened the job (reads overlay it before any projector writes it): 409.
    const before = await h.counts();
    const again = await retry(job._id);
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).detail).toContain("this job is queued");
    expect(await h.counts()).toEqual(before);

    // The new run fails for good: the job can be retried again, as retry 2.
    await failAgain(job, 1);
    const third = await retry(job._id);
    expect(third.statusCode).toBe(202);
    expect(JobView.parse(third.json()).retries).toBe(2);
    expect((await takeLow())?.headers?.get("Nats-Msg-Id")).toBe(`${job._id}:retry:2`);
    expect(JobEvent.parse((await lastEvent(job._id, "queued"))?.json()).data).toMatchObject({ retry: 2 });
  });

  it("of concurrent retries exactly one wins; the others answer 409", async () => {
    const job = await insertJob({ priority: "low" });
    const before = await h.counts();
    const answers = await Promise.all(Array.from({ length: 5 }, () => retry(job._id)));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 409, 409, 409, 409]);
    expect((await h.counts()).jobsStream).toBe(before.jobsStream + 1);
    expect((await takeLow())?.headers?.get("Nats-Msg-Id")).toBe(`${job._id}:retry:1`);
  });

  for (const status of ["queued", "running", "retrying", "succeeded"] as const) {
    it(`answers 409 for a ${status} job and publishes nothing`, async () => {
      const job = await insertJob({ status });
      const before = await h.counts();
      const res = await retry(job._id);
      expect(res.statusCode).toBe(409);
      expect(problemOf(res)).toMatchObject({ code: "CONFLICT" });
      expect(await h.counts()).toEqual(before);
      expect((await jobs().findOne({ _id: job._id }))?.retries).toBe(0);
    });
  }

  it("answers 404 for another tenant's job and for an unknown one", async () => {
    const job = await insertJob();
    expect((await retry(job._id, otherAuth)).statusCode).toBe(404);
    expect((await jobs().findOne({ _id: job._id }))?.retries).toBe(0);
    expect((await retry(ids())).statusCode).toBe(404);
  });
});
