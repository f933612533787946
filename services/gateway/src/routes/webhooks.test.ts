import { GeneratePlanResponse, UploadResponse, WebhookDeliveryListView } from "@ai-jobs/contracts";
import { createIdGenerator } from "@ai-jobs/runtime";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, type Harness, jobRecord, otherAuth, planBody, problemOf, startHarness } from "../../test/harness.js";

let h: Harness;
let app: FastifyInstance;
const ids = createIdGenerator();

beforeAll(async () => {
  h = await startHarness();
  app = await h.app();
});

afterAll(async () => {
  await h?.stop();
});

const generate = (overrides: Record<string, unknown>) =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers: auth, payload: planBody(overrides) });

describe("webhook_url on submit", () => {
  it("stores the webhook on the job record of a generated plan", async () => {
    const res = await generate({ webhook_url: "https://hooks.example.com/jobs?x=1" });
    expect(res.statusCode).toBe(202);
    const { job_id } = GeneratePlanResponse.parse(res.json());
    const job = await h.readJob(job_id);
    expect(job?.webhook).toEqual({ url: "https://hooks.example.com/jobs?x=1" });
  });

  it("leaves the webhook empty without webhook_url", async () => {
    const res = await generate({});
    const { job_id } = GeneratePlanResponse.parse(res.json());
    expect((await h.readJob(job_id))?.webhook).toBeNull();
  });

  it.each([
    ["another scheme", "ftp://hooks.example.com/x"],
    ["not a URL", "hooks.example.com/x"],
    ["a javascript URL", "javascript:alert(1)"],
    ["too long", `https://hooks.example.com/${"a".repeat(2_048)}`],
  ])("refuses %s with a 400 naming webhook_url, creating nothing", async (_name, url) => {
    const before = await h.counts();
    const res = await generate({ webhook_url: url });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.map((e) => e.field)).toContain("webhook_url");
    expect(await h.counts()).toEqual(before);
  });

  it("takes webhook_url as an upload form field", async () => {
    const plan = GeneratePlanResponse.parse((await generate({})).json());
    const form = new FormData();
    form.append("file", new Blob(["# Notes\n\nSome text.\n"], { type: "text/markdown" }), "notes.md");
    form.append("webhook_url", "http://hooks.example.com/ingest");
    const res = await app.inject({
      method: "POST",
      url: `/api/ai/study-plans/${plan.id}/materials/`,
      headers: auth,
      payload: form,
    });
    expect(res.statusCode).toBe(202);
    const { job_id } = UploadResponse.parse(res.json());
    expect((await h.readJob(job_id))?.webhook).toEqual({
      url: "http://hooks.example.com/ingest",
    });

    const bad = new FormData();
    bad.append("webhook_url", "gopher://x");
    bad.append("file", new Blob(["# Notes\n"], { type: "text/markdown" }), "notes.md");
    const refused = await app.inject({
      method: "POST",
      url: `/api/ai/study-plans/${plan.id}/materials/`,
      headers: auth,
      payload: bad,
    });
    expect(refused.statusCode).toBe(400);
    expect(problemOf(refused).errors?.map((e) => e.field)).toContain("webhook_url");
  });
});

describe("GET /api/ai/jobs/:id/webhooks/", () => {
  it("lists the job's deliveries with their attempts, for the job's tenant only", async () => {
    const jobId = ids();
    await h.ctx.mongo.collections.jobs.insertOne(jobRecord(jobId, { webhook: { url: "https://hooks.example.com/x" } }));
    const t0 = new Date("2026-11-01T10:00:00Z");
    const t1 = new Date("2026-11-01T10:00:05Z");
    await h.ctx.mongo.collections.webhookDeliveries.insertOne({
      _id: `${jobId}:42`,
      tenantId: "acme",
      jobId,
      eventType: "job.failed",
      url: "https://hooks.example.com/x",
      attempts: [
        { at: t0, status: 500, durationMs: 12 },
        { at: t1, error: "timed out after 10000 ms", durationMs: 10_000 },
      ],
      state: "pending",
      nextAttemptAt: new Date("2026-11-01T10:00:35Z"),
      createdAt: t0,
      updatedAt: t1,
    });

    for (const url of [`/api/ai/jobs/${jobId}/webhooks/`, `/api/ai/jobs/${jobId}/webhooks`]) {
      const res = await app.inject({ method: "GET", url, headers: auth });
      expect(res.statusCode).toBe(200);
      expect(WebhookDeliveryListView.parse(res.json())).toEqual({
        items: [
          {
            id: `${jobId}:42`,
            job_id: jobId,
            event_type: "job.failed",
            url: "https://hooks.example.com/x",
            state: "pending",
            attempts: [
              { at: t0.toISOString(), status: 500, error: null, duration_ms: 12 },
              { at: t1.toISOString(), status: null, error: "timed out after 10000 ms", duration_ms: 10_000 },
            ],
            next_attempt_at: "2026-11-01T10:00:35.000Z",
            created_at: t0.toISOString(),
            updated_at: t1.toISOString(),
          },
        ],
      });
    }

    const other = await app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/webhooks/`, headers: otherAuth });
    expect(other.statusCode).toBe(404);
    const missing = await app.inject({ method: "GET", url: `/api/ai/jobs/${ids()}/webhooks/`, headers: auth });
    expect(missing.statusCode).toBe(404);
  });

  it("answers an empty list for a job without deliveries", async () => {
    const jobId = ids();
    await h.ctx.mongo.collections.jobs.insertOne(jobRecord(jobId));
    const res = await app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/webhooks/`, headers: auth });
    expect(res.json()).toEqual({ items: [] });
  });
});
