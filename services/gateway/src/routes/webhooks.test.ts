import { GeneratePlanResponse, UploadResponse, WebhookDeliveryListView } from "@ai-jobs/contracts";
import { createIdGenerator, type WebhookAttempt } from "@ai-jobs/runtime";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, jobRecord, otherAuth, planBody, problemOf, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;
const ids = createIdGenerator();

beforeAll(async () => {
  app = await h.app();
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

  it.each([
    ["a loopback IPv4 literal", "http://127.0.0.1/x"],
    ["a private IPv4 literal", "https://10.0.0.1/x"],
    ["the metadata address", "http://169.254.169.254/latest/meta-data/"],
    ["a documentation address", "http://192.0.2.10/"],
    ["benchmarking 198.18.0.0/15", "http://198.18.0.1/"],
    ["the IPv6 loopback", "http://[::1]/"],
    ["an IPv4-compatible IPv6 loopback", "http://[::7f00:1]/"],
    ["an IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/"],
    ["NAT64 of a private address", "http://[64:ff9b::a00:1]/"],
    ["local-use NAT64", "http://[64:ff9b:1::1]/"],
    ["6to4", "http://[2002:7f00:1::]/"],
    ["Teredo", "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/"],
    ["site-local", "http://[fec0::1]/"],
    ["localhost", "http://localhost/x"],
    ["a name under localhost", "http://api.localhost./x"],
    ["a port outside WEBHOOK_ALLOWED_PORTS", "https://hooks.example.com:22/x"],
    ["port 8080 on a public host", "http://hooks.example.com:8080/x"],
  ])("refuses %s as webhook_url with a 400, creating nothing", async (_name, url) => {
    const before = await h.counts();
    const res = await generate({ webhook_url: url });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toContain("application/problem+json");
    expect(problemOf(res).errors?.map((e) => e.field)).toEqual(["webhook_url"]);
    expect(await h.counts()).toEqual(before);
  });

  it.each([
    "https://hooks.example.com:443/x",
    "http://93.184.216.34/x",
    "http://[2606:4700::1111]/x",
    "http://[64:ff9b::5db8:d822]/x",
  ])("accepts the public target %s", async (url) => {
    expect((await generate({ webhook_url: url })).statusCode).toBe(202);
  });

  it("accepts a private target and port that WEBHOOK_ALLOWLIST and WEBHOOK_ALLOWED_PORTS open", async () => {
    const open = await h.app({ WEBHOOK_ALLOWLIST: "127.0.0.1,hooks.internal", WEBHOOK_ALLOWED_PORTS: "8080" });
    const submit = (webhook_url: string) =>
      open.inject({
        method: "POST",
        url: "/api/ai/study-plans/generate/",
        headers: auth,
        payload: planBody({ webhook_url }),
      });
    expect((await submit("http://127.0.0.1:8080/x")).statusCode).toBe(202);
    expect((await submit("http://hooks.internal:8080/x")).statusCode).toBe(202);
    expect((await submit("http://127.0.0.2:8080/x")).statusCode).toBe(400);
    expect((await submit("http://127.0.0.1/x")).statusCode).toBe(400);
  });

  it("refuses a policy-refused webhook_url on an upload, keeping no file", async () => {
    const plan = GeneratePlanResponse.parse((await generate({})).json());
    const before = await h.counts();
    const form = new FormData();
    form.append("webhook_url", "http://[::7f00:1]/ingest");
    form.append("file", new Blob(["# Notes\n"], { type: "text/markdown" }), "notes.md");
    const res = await app.inject({
      method: "POST",
      url: `/api/ai/study-plans/${plan.id}/materials/`,
      headers: auth,
      payload: form,
    });
    expect(res.statusCode).toBe(400);
    expect(problemOf(res).errors?.map((e) => e.field)).toEqual(["webhook_url"]);
    // The stored file is deleted again (the object store keeps a delete marker, as for any refused upload).
    expect({ ...(await h.counts()), objectStoreMessages: 0 }).toEqual({ ...before, objectStoreMessages: 0 });
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
        { at: t0, status: 500, error: "http_5xx", durationMs: 12 },
        { at: t1, error: "timeout", durationMs: 10_000 },
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
              { at: t0.toISOString(), status: 500, error: "http_5xx", duration_ms: 12 },
              { at: t1.toISOString(), status: null, error: "timeout", duration_ms: 10_000 },
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

  it("shows a coarse reason, never the free-text error an older record holds", async () => {
    const jobId = ids();
    await h.ctx.mongo.collections.jobs.insertOne(jobRecord(jobId, { webhook: { url: "https://hooks.example.com/x" } }));
    const at = new Date("2026-11-01T10:00:00Z");
    // Written before reasons were coarse: the detail names an address and port on the far side.
    const legacy = (error: string) => ({ at, error, durationMs: 3 }) as unknown as WebhookAttempt;
    await h.ctx.mongo.collections.webhookDeliveries.insertOne({
      _id: `${jobId}:7`,
      tenantId: "acme",
      jobId,
      eventType: "job.succeeded",
      url: "https://hooks.example.com/x",
      attempts: [
        legacy("connect ECONNREFUSED 203.0.113.9:5432"),
        legacy("timed out after 10000 ms"),
        legacy("target not allowed"),
      ],
      state: "failed",
      nextAttemptAt: null,
      createdAt: at,
      updatedAt: at,
    });
    const res = await app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/webhooks/`, headers: auth });
    const [delivery] = WebhookDeliveryListView.parse(res.json()).items;
    expect(delivery?.attempts.map((a) => a.error)).toEqual(["connection_failed", "timeout", "refused_by_policy"]);
  });

  it("answers an empty list for a job without deliveries", async () => {
    const jobId = ids();
    await h.ctx.mongo.collections.jobs.insertOne(jobRecord(jobId));
    const res = await app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/webhooks/`, headers: auth });
    expect(res.json()).toEqual({ items: [] });
  });
});
