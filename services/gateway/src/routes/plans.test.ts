import {
  GeneratePlanResponse,
  JobCommand,
  JobView,
  PlanView,
  Problem,
  STREAMS,
  type StudyDay,
  type StudyTask,
  SUBJECTS,
} from "@ai-jobs/contracts";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, otherAuth, planBody, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const generate = (body: unknown, headers: Record<string, string> = auth) =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers, payload: body as object });

function problemOf(res: { headers: Record<string, unknown>; json(): unknown }) {
  expect(res.headers["content-type"]).toContain("application/problem+json");
  return Problem.parse(res.json());
}

describe("POST /api/ai/study-plans/generate/", () => {
  it("answers 202 with the draft plan and its job id, after storing the plan, the job and the command", async () => {
    const res = await generate(planBody({ priority: "high", daily_minutes: 90 }));
    expect(res.statusCode).toBe(202);
    const body = GeneratePlanResponse.parse(res.json());
    expect(body).toMatchObject({
      title: "Learn linear algebra well enough to follow a machine learning course",
      generation_status: "pending",
      ingest_status: "none",
      start_date: "2026-12-01",
      end_date: "2026-12-07",
      daily_minutes: 90,
      study_context: null,
      days: [],
    });

    const c = h.ctx.mongo.collections;
    const plan = await c.plans.findOne({ _id: body.id });
    expect(plan).toMatchObject({
      tenantId: "acme",
      generationStatus: "pending",
      ingestStatus: "none",
      jobId: body.job_id,
    });

    const job = await h.readJob(body.job_id);
    expect(job).toMatchObject({
      tenantId: "acme",
      userId: plan?.userId,
      type: "plan.generate",
      queue: "ai_generation",
      priority: "high",
      status: "queued",
      progress: { pct: 0 },
      attempt: 0,
      maxAttempts: 3,
      payload: {
        planId: body.id,
        goal: plan?.goal,
        title: body.title,
        studyContext: null,
        startDate: "2026-12-01",
        endDate: "2026-12-07",
        dailyMinutes: 90,
      },
    });
    expect(job?.dispatchedAt).toBeInstanceOf(Date);
    expect(job?.traceId).toMatch(/^[0-9a-f]{32}$/);
    // Read from its `queued` event (no projector runs here): the record is that event's fold.
    expect(job?.seq).toBeGreaterThan(0);

    const msg = await h.ctx.nats.jsm.streams.getMessage(STREAMS.jobs, {
      last_by_subj: SUBJECTS.job("ai_generation", "high", "acme"),
    });
    expect(msg).not.toBeNull();
    const command = JobCommand.parse(msg?.json());
    expect(command).toMatchObject({ jobId: body.job_id, tenantId: "acme", type: "plan.generate", priority: "high" });
    expect(msg?.header.get("Nats-Msg-Id")).toBe(body.job_id);
    // The command continues the request's trace, the one stored on the job record.
    expect(msg?.header.get("traceparent")).toMatch(new RegExp(`^00-${job?.traceId}-[0-9a-f]{16}-0[01]$`));

    const queued = await h.ctx.nats.jsm.streams.getMessage(STREAMS.events, {
      last_by_subj: SUBJECTS.event("acme", body.job_id, "queued"),
    });
    expect(queued?.json()).toMatchObject({ kind: "queued", jobId: body.job_id, attempt: 0 });
  });

  it("keeps the client's title and study context, and works without the trailing slash", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/ai/study-plans/generate",
      headers: auth,
      payload: planBody({ title: "Algebra", study_context: "second year student" }),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ title: "Algebra", study_context: "second year student", daily_minutes: 60 });
  });

  it("continues the caller's trace when the request carries a traceparent", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await generate(planBody(), { ...auth, traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(res.statusCode).toBe(202);
    const job = await h.readJob(res.json<{ job_id: string }>().job_id);
    expect(job?.traceId).toBe(traceId);
  });

  describe("rejects bad input with a 400 problem naming the field, and writes nothing", () => {
    const cases: Array<{ name: string; payload: string; field: string }> = [
      { name: "invalid JSON", payload: '{"goal": "Learn', field: "body" },
      { name: "an unknown field", payload: JSON.stringify(planBody({ colour: "blue" })), field: "colour" },
      {
        name: "a date that does not exist",
        payload: JSON.stringify(planBody({ start_date: "2026-02-30" })),
        field: "start_date",
      },
      {
        name: "a date in another format",
        payload: JSON.stringify(planBody({ end_date: "07/12/2026" })),
        field: "end_date",
      },
      {
        name: "an end before the start",
        payload: JSON.stringify(planBody({ end_date: "2026-11-30" })),
        field: "end_date",
      },
      {
        name: "a missing goal",
        payload: JSON.stringify({ start_date: "2026-12-01", end_date: "2026-12-02" }),
        field: "goal",
      },
      { name: "an unknown priority", payload: JSON.stringify(planBody({ priority: "urgent" })), field: "priority" },
      { name: "a body that is not an object", payload: "[1, 2]", field: "body" },
    ];
    for (const c of cases) {
      it(`for ${c.name}`, async () => {
        const before = await h.counts();
        const res = await app.inject({
          method: "POST",
          url: "/api/ai/study-plans/generate/",
          headers: { ...auth, "content-type": "application/json" },
          payload: c.payload,
        });
        expect(res.statusCode).toBe(400);
        const problem = problemOf(res);
        expect(problem).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
        expect(problem.errors?.map((e) => e.field)).toContain(c.field);
        expect(await h.counts()).toEqual(before);
      });
    }
  });

  it("answers 413 for a JSON body over the limit", async () => {
    const res = await generate({ ...planBody(), goal: "x".repeat(300 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(problemOf(res).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 401 without a token or with a wrong one, and writes nothing", async () => {
    const before = await h.counts();
    const attempts: Array<Record<string, string>> = [{}, { authorization: "Bearer nope" }, { authorization: "t1" }];
    for (const headers of attempts) {
      const res = await generate(planBody(), headers);
      expect(res.statusCode).toBe(401);
      expect(problemOf(res)).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
      expect(res.headers["www-authenticate"]).toContain("Bearer");
    }
    expect(await h.counts()).toEqual(before);
  });
});

describe("GET /api/ai/study-plans/:id/", () => {
  it("answers the plan with its days in order, and each section with its tasks in order", async () => {
    const created = GeneratePlanResponse.parse((await generate(planBody())).json());
    const c = h.ctx.mongo.collections;
    const day = (index: number): StudyDay => ({
      _id: `${created.id}-d${index}`,
      tenantId: "acme",
      planId: created.id,
      index,
      date: `2026-12-0${index + 1}`,
      title: `Day ${index + 1}`,
      sections: [
        { id: "s1", title: "Vectors" },
        { id: "s2", title: "Matrices" },
      ],
      status: "pending",
    });
    const task = (dayIndex: number, sectionId: string, index: number): StudyTask => ({
      _id: `${created.id}-d${dayIndex}-${sectionId}-t${index}`,
      tenantId: "acme",
      planId: created.id,
      dayId: `${created.id}-d${dayIndex}`,
      sectionId,
      index,
      title: `Task ${dayIndex}.${sectionId}.${index}`,
      kind: "read",
      estimatedMinutes: 20,
      status: "todo",
      timeSpentMinutes: 0,
    });
    await c.days.insertMany([day(1), day(0)]);
    await c.tasks.insertMany([task(0, "s2", 0), task(0, "s1", 1), task(1, "s1", 0), task(0, "s1", 0)]);

    const res = await app.inject({ method: "GET", url: `/api/ai/study-plans/${created.id}/`, headers: auth });
    expect(res.statusCode).toBe(200);
    const view = PlanView.parse(res.json());
    expect(view.job_id).toBe(created.job_id);
    expect(view.days.map((d) => d.index)).toEqual([0, 1]);
    expect(view.days[0]?.sections.map((s) => s.tasks.map((t) => t.title))).toEqual([
      ["Task 0.s1.0", "Task 0.s1.1"],
      ["Task 0.s2.0"],
    ]);
    expect(view.days[1]?.sections[0]?.tasks.map((t) => t.id)).toEqual([`${created.id}-d1-s1-t0`]);
    expect(view.days[0]?.sections[0]?.tasks[0]).toEqual({
      id: `${created.id}-d0-s1-t0`,
      title: "Task 0.s1.0",
      kind: "read",
      estimated_minutes: 20,
      status: "todo",
      time_spent_minutes: 0,
      // A task stored before RAG citations existed reads as citing nothing.
      source_chunk_ids: [],
    });
  });

  it("answers 404 for another tenant's plan and for an unknown id", async () => {
    const created = GeneratePlanResponse.parse((await generate(planBody())).json());
    const other = await app.inject({ method: "GET", url: `/api/ai/study-plans/${created.id}/`, headers: otherAuth });
    expect(other.statusCode).toBe(404);
    expect(problemOf(other).code).toBe("NOT_FOUND");
    const unknown = await app.inject({
      method: "GET",
      url: "/api/ai/study-plans/01ARZ3NDEKTSV4RRFFQ69G5FAV",
      headers: auth,
    });
    expect(unknown.statusCode).toBe(404);
  });
});

describe("GET /api/ai/jobs/:job_id/", () => {
  it("answers the job's status, progress and attempts", async () => {
    const created = GeneratePlanResponse.parse((await generate(planBody())).json());
    const res = await app.inject({ method: "GET", url: `/api/ai/jobs/${created.job_id}/`, headers: auth });
    expect(res.statusCode).toBe(200);
    const view = JobView.parse(res.json());
    expect(view).toMatchObject({
      job_id: created.job_id,
      type: "plan.generate",
      queue: "ai_generation",
      priority: "normal",
      status: "queued",
      progress: { pct: 0, step: null, message: null },
      attempt: 0,
      max_attempts: 3,
      last_error: null,
      result_refs: null,
      started_at: null,
      finished_at: null,
    });
  });

  it("answers 404 for another tenant's job and for an unknown id", async () => {
    const created = GeneratePlanResponse.parse((await generate(planBody())).json());
    const other = await app.inject({ method: "GET", url: `/api/ai/jobs/${created.job_id}`, headers: otherAuth });
    expect(other.statusCode).toBe(404);
    expect(problemOf(other).code).toBe("NOT_FOUND");
    const unknown = await app.inject({ method: "GET", url: "/api/ai/jobs/nope/", headers: auth });
    expect(unknown.statusCode).toBe(404);
  });
});

describe("any other route", () => {
  it("answers a 404 problem, with or without a token", async () => {
    for (const headers of [auth, {}]) {
      const res = await app.inject({ method: "GET", url: "/api/ai/nothing-here/", headers });
      expect(res.statusCode).toBe(404);
      expect(problemOf(res).code).toBe("NOT_FOUND");
    }
  });

  it("answers the router's own refusals as problems: an over-long path parameter, one that is not valid percent-encoding", async () => {
    const long = await app.inject({ method: "GET", url: `/api/ai/study-plans/${"a".repeat(500)}/`, headers: auth });
    expect(long.statusCode).toBe(414);
    expect(problemOf(long).code).toBe("VALIDATION_FAILED");
    const bad = await app.inject({ method: "GET", url: "/api/ai/study-plans/%E0%A4%A/", headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).code).toBe("VALIDATION_FAILED");
  });

  it("never shows a server error's message", async () => {
    const broken = await h.app();
    broken.get("/api/ai/boom", async () => {
      throw new Error("secret connection string mongodb://user:pw@host");
    });
    const res = await broken.inject({ method: "GET", url: "/api/ai/boom", headers: auth });
    expect(res.statusCode).toBe(500);
    const problem = problemOf(res);
    expect(problem.code).toBe("INTERNAL");
    expect(JSON.stringify(problem)).not.toContain("secret");
  });
});
