import { Problem } from "@ai-jobs/contracts";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, type Harness, otherAuth, planBody, startHarness } from "../../test/harness.js";

const CAP = 3;

let h: Harness;
let app: FastifyInstance;

beforeAll(async () => {
  // No worker pulls in this file, so every accepted job stays waiting and counts against its tenant's cap.
  h = await startHarness({ JOBS_MAX_PER_TENANT: String(CAP) });
  app = await h.app();
});

afterAll(async () => {
  await h?.stop();
});

const submit = (headers: Record<string, string>) =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers, payload: planBody() });

describe("a tenant's cap on waiting jobs (JOBS_MAX_PER_TENANT)", () => {
  it("answers the tenant over its cap 429 with Retry-After, names the limit, and leaves nothing behind", async () => {
    for (let i = 0; i < CAP; i++) expect((await submit(auth)).statusCode).toBe(202);
    const before = await h.counts();

    const res = await submit(auth);
    expect(res.statusCode).toBe(429);
    expect(res.headers["retry-after"]).toBe("5");
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const problem = Problem.parse(res.json());
    expect(problem.code).toBe("TENANT_QUEUE_FULL");
    expect(problem.detail).toContain("JOBS_MAX_PER_TENANT");
    // As with a full queue: the draft is taken back, and the `queued` event is closed by a `failed` one.
    const after = await h.counts();
    expect({ ...after, eventsStream: before.eventsStream }).toEqual(before);
    expect(after.eventsStream).toBe(before.eventsStream + 2);
  });

  it("leaves every other tenant unaffected", async () => {
    for (let i = 0; i < CAP; i++) expect((await submit(otherAuth)).statusCode).toBe(202);
    expect((await submit(otherAuth)).statusCode).toBe(429);
    expect((await h.counts()).jobsStream).toBe(2 * CAP);
  });
});
