import { createIdGenerator } from "@ai-jobs/runtime";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { type JWTPayload, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createPlan, jobRecord, planBody, problemOf, startHarness } from "../../test/harness.js";

const SECRET = "roles-test-secret-of-at-least-32-bytes";
const h = useHarness(() => startHarness());
let app: FastifyInstance;
const ids = createIdGenerator();

beforeAll(async () => {
  app = await h.app({ AUTH_JWT_SECRET: SECRET });
}, 120_000);

const as = async (sub: string, role: string, tenant = "acme"): Promise<Record<string, string>> => {
  const claims: JWTPayload = { sub, tenant_id: tenant, role, exp: Math.floor(Date.now() / 1_000) + 300 };
  const token = await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(SECRET));
  return { authorization: `Bearer ${token}` };
};

/** A failed job of acme submitted by `userId` (retryable and readable). */
async function failedJobOf(userId: string): Promise<string> {
  const id = ids();
  await h.ctx.mongo.collections.jobs.insertOne(jobRecord(id, { userId }));
  return id;
}

const req = (method: "GET" | "POST" | "DELETE", url: string, headers: Record<string, string>, payload?: object) =>
  app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

describe("roles", () => {
  it("a viewer reads but cannot write, and nothing is written", async () => {
    const viewer = await as("vera", "viewer");
    const jobId = await failedJobOf("mia");
    expect((await req("GET", "/api/ai/jobs/", viewer)).statusCode).toBe(200);
    expect((await req("GET", `/api/ai/jobs/${jobId}/`, viewer)).statusCode).toBe(200);
    expect((await req("GET", `/api/ai/jobs/${jobId}/events/`, viewer)).statusCode).toBe(200);

    const before = await h.counts();
    for (const [method, url, body] of [
      ["POST", "/api/ai/study-plans/generate/", planBody()],
      ["DELETE", `/api/ai/jobs/${jobId}/`, undefined],
      ["POST", `/api/ai/jobs/${jobId}/retry/`, undefined],
    ] as const) {
      const res = await req(method, url, viewer, body);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(problemOf(res).code).toBe("FORBIDDEN");
    }
    expect(await h.counts()).toEqual(before);
  });

  it("a member submits, acts on their own jobs, and is refused on someone else's (nothing written)", async () => {
    const member = await as("mia", "member");
    expect((await req("POST", "/api/ai/study-plans/generate/", member, planBody())).statusCode).toBe(202);

    const others = await failedJobOf("otto");
    const before = await h.counts();
    for (const [method, url] of [
      ["DELETE", `/api/ai/jobs/${others}/`],
      ["POST", `/api/ai/jobs/${others}/retry/`],
    ] as const) {
      const res = await req(method, url, member);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(problemOf(res).code).toBe("FORBIDDEN");
    }
    expect(await h.counts()).toEqual(before);
    // Someone else's plan: no job on it either.
    const plan = await createPlan(app);
    const afterPlan = await h.counts();
    expect((await req("POST", `/api/ai/study-plans/${plan}/summary/`, member, {})).statusCode).toBe(403);
    expect(await h.counts()).toEqual(afterPlan);

    const own = await failedJobOf("mia");
    expect((await req("POST", `/api/ai/jobs/${own}/retry/`, member)).statusCode).toBe(202);
  });

  it("an owner acts on any job of the tenant, but is no operator", async () => {
    const owner = await as("olga", "owner");
    const jobId = await failedJobOf("mia");
    expect((await req("POST", `/api/ai/jobs/${jobId}/retry/`, owner)).statusCode).toBe(202);
    expect((await req("GET", "/api/ai/admin/dead-letters/", owner)).statusCode).toBe(403);
    expect((await req("GET", "/api/ai/queues/", owner)).statusCode).toBe(403);
    const admin = await as("root", "admin");
    expect((await req("GET", "/api/ai/admin/dead-letters/", admin)).statusCode).toBe(200);
    expect((await req("GET", "/api/ai/queues/", admin)).statusCode).toBe(200);
  });

  it("another tenant's job is a 404 for every role, reads and writes alike (its existence does not leak)", async () => {
    const jobId = await failedJobOf("mia");
    const before = await h.counts();
    for (const role of ["owner", "member", "viewer", "admin"]) {
      const globex = await as("gus", role, "globex");
      for (const [method, url] of [
        ["GET", `/api/ai/jobs/${jobId}/`],
        ["GET", `/api/ai/jobs/${jobId}/events/`],
        ["DELETE", `/api/ai/jobs/${jobId}/`],
        ["POST", `/api/ai/jobs/${jobId}/retry/`],
      ] as const) {
        const res = await req(method, url, globex);
        // A viewer's write is refused by its role before any lookup: 403 says nothing about the job.
        const expected = role === "viewer" && method !== "GET" ? 403 : 404;
        expect(res.statusCode, `${role} ${method} ${url}`).toBe(expected);
      }
    }
    expect(await h.counts()).toEqual(before);
  });
});
