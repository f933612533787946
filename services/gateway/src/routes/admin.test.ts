import { DeadLetterView, HEADERS, JobView, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { createIdGenerator, type DeadLetterRecord } from "@ai-jobs/runtime";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { auth, jobRecord, otherAdminAuth, otherAuth, problemOf, startHarness, userAuth } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;
const ids = createIdGenerator();
const failedJob = ids();
const succeededJob = ids();
const otherTenantJob = ids();

const DeadLetterList = z.object({ items: z.array(DeadLetterView), next_cursor: z.string().nullable() });

const deadLetter = (seq: number, overrides: Partial<DeadLetterRecord> = {}): DeadLetterRecord => ({
  _id: seq,
  tenantId: "acme",
  jobId: failedJob,
  queue: "ai_generation",
  type: "plan.generate",
  error: { code: "ATTEMPTS_EXHAUSTED", message: "the planner failed 3 times" },
  attempts: 3,
  originalSubject: SUBJECTS.job("ai_generation", "normal", "acme"),
  at: new Date(Date.UTC(2026, 10, 1, 10, 0, seq)),
  replayedAt: null,
  ...overrides,
});

beforeAll(async () => {
  app = await h.app();
  const c = h.ctx.mongo.collections;
  await c.jobs.insertMany([
    jobRecord(failedJob),
    jobRecord(succeededJob, { status: "succeeded", lastError: null }),
    jobRecord(otherTenantJob, { tenantId: "globex" }),
  ]);
  await c.deadLetters.insertMany([
    deadLetter(1),
    deadLetter(2, { queue: "ingest", type: "material.ingest", jobId: ids() }),
    deadLetter(3, { jobId: succeededJob }),
    deadLetter(4, { tenantId: "globex", jobId: otherTenantJob }),
    deadLetter(5, { tenantId: null, jobId: null, type: null }),
    deadLetter(6, { jobId: null, type: null, error: { code: "INVALID_PAYLOAD", message: "not a command" } }),
  ]);
});

const list = async (query = "", headers = auth) => {
  const res = await app.inject({ method: "GET", url: `/api/ai/admin/dead-letters/?${query}`, headers });
  expect(res.statusCode).toBe(200);
  return DeadLetterList.parse(res.json());
};
const replay = (seq: string | number, headers = auth) =>
  app.inject({ method: "POST", url: `/api/ai/admin/dead-letters/${seq}/replay/`, headers });

describe("GET /api/ai/admin/dead-letters/", () => {
  it("lists the admin's tenant's dead letters newest first, a page at a time", async () => {
    const all = await list();
    expect(all.items.map((d) => d.seq)).toEqual([6, 3, 2, 1]);
    expect(all.items.at(-1)).toEqual({
      seq: 1,
      job_id: failedJob,
      queue: "ai_generation",
      type: "plan.generate",
      error: { code: "ATTEMPTS_EXHAUSTED", message: "the planner failed 3 times" },
      attempts: 3,
      original_subject: "jobs.ai_generation.normal.acme",
      dead_lettered_at: "2026-11-01T10:00:01.000Z",
      replayed_at: null,
    });
    const first = await list("limit=2");
    expect(first.items.map((d) => d.seq)).toEqual([6, 3]);
    expect(first.next_cursor).toBe("3");
    const second = await list(`limit=2&cursor=${first.next_cursor}`);
    expect(second.items.map((d) => d.seq)).toEqual([2, 1]);
    expect(second.next_cursor).toBeNull();
  });

  it("filters by queue", async () => {
    expect((await list("queue=ingest")).items.map((d) => d.seq)).toEqual([2]);
  });

  it("shows another tenant's admin only that tenant's dead letters", async () => {
    expect((await list("", otherAdminAuth)).items.map((d) => d.seq)).toEqual([4]);
  });

  it("answers 403 to a user without the admin role", async () => {
    for (const headers of [userAuth, otherAuth]) {
      const res = await app.inject({ method: "GET", url: "/api/ai/admin/dead-letters/", headers });
      expect(res.statusCode).toBe(403);
      expect(problemOf(res)).toMatchObject({ status: 403, code: "FORBIDDEN", title: "Forbidden" });
    }
  });

  it("answers 401 without a token, and 400 for a bad filter", async () => {
    expect((await app.inject({ method: "GET", url: "/api/ai/admin/dead-letters/" })).statusCode).toBe(401);
    for (const [query, field] of [
      ["queue=email", "queue"],
      ["limit=0", "limit"],
      ["cursor=abc", "cursor"],
      ["tenant=globex", "tenant"],
    ] as const) {
      const res = await app.inject({ method: "GET", url: `/api/ai/admin/dead-letters/?${query}`, headers: auth });
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.map((e) => e.field)).toContain(field);
    }
  });
});

describe("POST /api/ai/admin/dead-letters/:seq/replay/", () => {
  it("retries the dead letter's job and records when it was replayed", async () => {
    const res = await replay(1);
    expect(res.statusCode).toBe(202);
    expect(JobView.parse(res.json())).toMatchObject({ job_id: failedJob, status: "queued", retries: 1 });
    const command = await h.ctx.nats.jsm.streams.getMessage(STREAMS.jobs, {
      last_by_subj: SUBJECTS.job("ai_generation", "normal", "acme"),
    });
    expect(command?.header.get(HEADERS.msgId)).toBe(`${failedJob}:retry:1`);
    const [replayed] = (await list()).items.filter((d) => d.seq === 1);
    expect(replayed?.replayed_at).toEqual(expect.any(String));
  });

  it("answers 409 when the job is not failed or cancelled, or when the dead letter names no job", async () => {
    for (const seq of [3, 6]) {
      const res = await replay(seq);
      expect(res.statusCode).toBe(409);
      expect(problemOf(res).code).toBe("CONFLICT");
    }
    expect((await list()).items.find((d) => d.seq === 3)?.replayed_at).toBeNull();
  });

  it("answers 404 for another tenant's dead letter, an unknown one, or one whose job is gone", async () => {
    for (const seq of [4, 5, 999, "abc", "0", 2]) {
      const res = await replay(seq);
      expect(res.statusCode).toBe(404);
      expect(problemOf(res).code).toBe("NOT_FOUND");
    }
    const other = await h.ctx.mongo.collections.jobs.findOne({ _id: otherTenantJob });
    expect(other?.retries).toBe(0);
  });

  it("answers 403 to a user without the admin role, and changes nothing", async () => {
    const res = await replay(4, otherAuth);
    expect(res.statusCode).toBe(403);
    expect((await h.ctx.mongo.collections.jobs.findOne({ _id: otherTenantJob }))?.retries).toBe(0);
  });
});
