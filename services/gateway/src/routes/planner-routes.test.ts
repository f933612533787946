import {
  BUCKETS,
  JobUsageView,
  LLM_USAGE_COLLECTION,
  type LlmUsageRecord,
  PlanJobResponse,
  PlanView,
  type StudyDay,
  type StudyTask,
  TaskProgressResponse,
  TenantUsageView,
} from "@ai-jobs/contracts";
import { createIdGenerator } from "@ai-jobs/runtime";
import { planRecord } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { Objm } from "@nats-io/obj";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, jobRecord, otherAuth, problemOf, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;
const newId = createIdGenerator();

beforeAll(async () => {
  app = await h.app();
});

/** A generated plan of `tenantId`: two days of two sections with two tasks each. */
async function seedPlan(tenantId = "acme") {
  const c = h.ctx.mongo.collections;
  const plan = planRecord(newId(), tenantId, {
    userId: "u1",
    title: "Linear algebra",
    goal: "Learn linear algebra",
    startDate: "2026-12-01",
    endDate: "2026-12-02",
    generationStatus: "succeeded",
    provider: "offline",
  });
  const days: StudyDay[] = [0, 1].map((i) => ({
    _id: `${plan._id}-d${i}`,
    tenantId,
    planId: plan._id,
    index: i,
    date: `2026-12-0${i + 1}`,
    title: `Day ${i + 1}`,
    sections: [
      { id: "s1", title: "Learn" },
      { id: "s2", title: "Practice" },
    ],
    status: "pending",
  }));
  const tasks: StudyTask[] = days.flatMap((d) =>
    ["s1", "s2"].flatMap((s) =>
      [0, 1].map((n) => ({
        _id: `${d._id}-${s}-t${n}`,
        tenantId,
        planId: plan._id,
        dayId: d._id,
        sectionId: s,
        index: n,
        title: `Task ${n}`,
        kind: "read" as const,
        estimatedMinutes: 15,
        status: "todo" as const,
        timeSpentMinutes: 0,
        sourceChunkIds: n === 0 ? ["doc-c1"] : [],
      })),
    ),
  );
  await c.plans.insertOne(plan);
  await c.days.insertMany(days);
  await c.tasks.insertMany(tasks);
  return { plan, days, tasks };
}

const post = (url: string, payload?: object, headers: Record<string, string> = auth) =>
  app.inject({ method: "POST", url, headers, ...(payload === undefined ? {} : { payload }) });

describe("planner job routes on an existing plan", () => {
  it("POST summary, export, day generate and tasks answer 202 with the job, stored and dispatched", async () => {
    const { plan } = await seedPlan();
    const cases = [
      { url: `/api/ai/study-plans/${plan._id}/summary/`, type: "plan.summary", payload: { planId: plan._id } },
      {
        url: `/api/ai/study-plans/${plan._id}/export/`,
        body: { format: "xlsx" },
        type: "plan.export",
        payload: { planId: plan._id, format: "xlsx" },
      },
      {
        url: `/api/ai/study-plans/${plan._id}/days/${plan._id}-d1/generate/`,
        type: "plan.day.generate",
        payload: { planId: plan._id, dayId: `${plan._id}-d1` },
      },
      {
        url: `/api/ai/study-plans/${plan._id}/tasks/`,
        body: { day_id: `${plan._id}-d0`, section_id: "s2" },
        type: "plan.tasks.generate",
        payload: { planId: plan._id, dayId: `${plan._id}-d0`, sectionId: "s2" },
      },
    ];
    for (const c of cases) {
      const res = await post(c.url, c.body);
      expect(res.statusCode, c.url).toBe(202);
      const body = PlanJobResponse.parse(res.json());
      expect(body.plan_id).toBe(plan._id);
      const job = await h.readJob(body.job_id);
      expect(job).toMatchObject({ tenantId: "acme", type: c.type, queue: "ai_generation", payload: c.payload });
      expect(job?.dispatchedAt).toBeInstanceOf(Date);
    }
  });

  it("answers 404 for another tenant's plan and 400 for a bad body, creating nothing", async () => {
    const { plan } = await seedPlan();
    const before = await h.counts();
    expect((await post(`/api/ai/study-plans/${plan._id}/summary/`, undefined, otherAuth)).statusCode).toBe(404);
    expect((await post("/api/ai/study-plans/nope/export/")).statusCode).toBe(404);
    const bad = await post(`/api/ai/study-plans/${plan._id}/export/`, { format: "pdf" });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0]?.field).toBe("format");
    expect((await post(`/api/ai/study-plans/${plan._id}/tasks/`, { day_id: "x" })).statusCode).toBe(400);
    expect(await h.counts()).toEqual(before);
  });
});

describe("POST /api/ai/study-tasks/{task_id}/progress/", () => {
  it("refuses a member on a plan someone else created, and writes nothing; a viewer may not write at all", async () => {
    const roles = await h.app({ AUTH_TOKENS: "m1:acme:member,v1:acme:viewer" });
    const { plan, tasks } = await seedPlan();
    const t0 = tasks[0];
    if (!t0) throw new Error("no tasks");
    for (const token of ["m1", "v1"]) {
      const res = await roles.inject({
        method: "POST",
        url: `/api/ai/study-tasks/${t0._id}/progress/`,
        headers: { authorization: `Bearer ${token}` },
        payload: { status: "done", time_spent_minutes: 20 },
      });
      expect(res.statusCode, token).toBe(403);
    }
    const c = h.ctx.mongo.collections;
    expect((await c.tasks.findOne({ _id: t0._id }))?.status).toBe(t0.status);
    expect((await c.plans.findOne({ _id: plan._id }))?.completion).toEqual(plan.completion);
  });

  it("records status and time, recomputes the day's status and the plan's completion", async () => {
    const { plan, tasks } = await seedPlan();
    const [t0, t1] = tasks;
    if (!t0 || !t1) throw new Error("no tasks");
    const first = await post(`/api/ai/study-tasks/${t0._id}/progress/`, { status: "done", time_spent_minutes: 20 });
    expect(first.statusCode).toBe(200);
    expect(TaskProgressResponse.parse(first.json())).toEqual({
      task_id: t0._id,
      status: "done",
      time_spent_minutes: 20,
      day: { id: `${plan._id}-d0`, status: "in_progress" },
      plan: { id: plan._id, completion: { done_tasks: 1, total_tasks: 8, pct: 12, minutes_spent: 20 } },
    });

    // Finishing the whole first day marks it done; the same request twice changes nothing more.
    for (const t of tasks.filter((t) => t.dayId === `${plan._id}-d0`)) {
      for (let i = 0; i < 2; i++) {
        expect(
          (await post(`/api/ai/study-tasks/${t._id}/progress/`, { status: "skipped", time_spent_minutes: 5 }))
            .statusCode,
        ).toBe(200);
      }
    }
    const c = h.ctx.mongo.collections;
    expect((await c.days.findOne({ _id: `${plan._id}-d0` }))?.status).toBe("done");
    expect((await c.days.findOne({ _id: `${plan._id}-d1` }))?.status).toBe("pending");
    expect((await c.plans.findOne({ _id: plan._id }))?.completion).toEqual({
      doneTasks: 4,
      totalTasks: 8,
      pct: 50,
      minutesSpent: 20,
    });

    const view = PlanView.parse(
      (await app.inject({ method: "GET", url: `/api/ai/study-plans/${plan._id}/`, headers: auth })).json(),
    );
    expect(view.completion).toEqual({ done_tasks: 4, total_tasks: 8, pct: 50, minutes_spent: 20 });
    expect(view.days[0]?.sections[0]?.tasks[0]?.source_chunk_ids).toEqual(["doc-c1"]);
    expect(view.summary).toBeNull();
  });

  it("answers 404 for another tenant's task and 400 for a bad status, changing nothing", async () => {
    const { tasks } = await seedPlan();
    const task = tasks[0];
    if (!task) throw new Error("no task");
    const other = await post(
      `/api/ai/study-tasks/${task._id}/progress/`,
      { status: "done", time_spent_minutes: 1 },
      otherAuth,
    );
    expect(other.statusCode).toBe(404);
    const bad = await post(`/api/ai/study-tasks/${task._id}/progress/`, { status: "finished", time_spent_minutes: 1 });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.[0]?.field).toBe("status");
    expect(await h.ctx.mongo.collections.tasks.findOne({ _id: task._id })).toMatchObject({
      status: "todo",
      timeSpentMinutes: 0,
    });
  });
});

describe("GET /api/ai/exports/{export_id}/", () => {
  it("streams the export as an attachment with its name; 404 for another tenant; 409 while the job runs", async () => {
    const exportId = newId();
    const bytes = new Uint8Array(200_000).map((_, i) => i % 251);
    const store = await new Objm(h.ctx.nats.js).open(BUCKETS.exports);
    await store.putBlob(
      {
        name: exportId,
        metadata: {
          filename: "álgebra-linear.xlsx",
          contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
      },
      bytes,
    );
    await h.ctx.mongo.collections.jobs.insertOne(
      jobRecord(exportId, { type: "plan.export", status: "succeeded", payload: { planId: "p1", format: "xlsx" } }),
    );
    const res = await app.inject({ method: "GET", url: `/api/ai/exports/${exportId}/`, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.headers["content-disposition"]).toBe(
      `attachment; filename="_lgebra-linear.xlsx"; filename*=UTF-8''%C3%A1lgebra-linear.xlsx`,
    );
    expect(res.headers["content-length"]).toBe(String(bytes.length));
    expect(new Uint8Array(res.rawPayload)).toEqual(bytes);

    expect(
      (await app.inject({ method: "GET", url: `/api/ai/exports/${exportId}/`, headers: otherAuth })).statusCode,
    ).toBe(404);

    const running = newId();
    await h.ctx.mongo.collections.jobs.insertOne(
      jobRecord(running, { type: "plan.export", status: "running", payload: { planId: "p1", format: "xlsx" } }),
    );
    const notYet = await app.inject({ method: "GET", url: `/api/ai/exports/${running}/`, headers: auth });
    expect(notYet.statusCode).toBe(409);
    expect(problemOf(notYet).detail).toMatch(/not ready/);
  });
});

describe("usage routes", () => {
  it("answers each attempt's usage of a job, and the tenant's totals by model and job type", async () => {
    const usage = h.ctx.mongo.db.collection<LlmUsageRecord>(LLM_USAGE_COLLECTION);
    const jobA = newId();
    const jobB = newId();
    await h.ctx.mongo.collections.jobs.insertMany([jobRecord(jobA), jobRecord(jobB, { type: "plan.summary" })]);
    const rec = (
      jobId: string,
      attempt: number,
      type: string,
      model: string,
      p: number,
      c: number,
    ): LlmUsageRecord => ({
      _id: `${jobId}:${attempt}`,
      tenantId: "acme",
      jobId,
      type,
      attempt,
      system: "openai",
      model,
      calls: 2,
      promptTokens: p,
      completionTokens: c,
      latencyMs: 100,
      at: new Date("2026-11-10T10:00:00Z"),
    });
    await usage.insertMany([
      rec(jobA, 1, "plan.generate", "gpt-a", 100, 10),
      rec(jobA, 2, "plan.generate", "gpt-a", 200, 20),
      { ...rec(jobB, 1, "plan.summary", "gpt-b", 50, 5), at: new Date("2026-11-11T23:59:00Z") },
      { ...rec(newId(), 1, "plan.generate", "gpt-a", 999, 999), tenantId: "globex" },
      { ...rec(newId(), 1, "plan.generate", "gpt-a", 7, 7), at: new Date("2026-10-01T00:00:00Z") },
    ]);

    const job = JobUsageView.parse(
      (await app.inject({ method: "GET", url: `/api/ai/jobs/${jobA}/usage/`, headers: auth })).json(),
    );
    expect(job.totals).toEqual({
      calls: 4,
      prompt_tokens: 300,
      completion_tokens: 30,
      total_tokens: 330,
      latency_ms: 200,
    });
    expect(job.attempts.map((a) => [a.attempt, a.model, a.prompt_tokens])).toEqual([
      [1, "gpt-a", 100],
      [2, "gpt-a", 200],
    ]);
    expect(
      (await app.inject({ method: "GET", url: `/api/ai/jobs/${jobA}/usage/`, headers: otherAuth })).statusCode,
    ).toBe(404);

    const res = await app.inject({ method: "GET", url: "/api/ai/usage/?since=2026-11-01T00:00:00Z", headers: auth });
    const tenant = TenantUsageView.parse(res.json());
    expect(tenant.totals).toEqual({
      calls: 6,
      prompt_tokens: 350,
      completion_tokens: 35,
      total_tokens: 385,
      latency_ms: 300,
    });
    expect(tenant.by_model.map((m) => [m.model, m.prompt_tokens])).toEqual([
      ["gpt-a", 300],
      ["gpt-b", 50],
    ]);
    expect(tenant.by_type.map((t) => [t.type, t.total_tokens])).toEqual([
      ["plan.generate", 330],
      ["plan.summary", 55],
    ]);
    // By UTC day and model, oldest day first.
    expect(tenant.by_day.map((d) => [d.day, d.model, d.calls, d.total_tokens])).toEqual([
      ["2026-11-10", "gpt-a", 4, 330],
      ["2026-11-11", "gpt-b", 2, 55],
    ]);
    expect((await app.inject({ method: "GET", url: "/api/ai/usage/?since=yesterday", headers: auth })).statusCode).toBe(
      400,
    );
  });
});
