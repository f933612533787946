import { readSse, waitFor } from "@ai-jobs/testkit";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayCall, OTHER_TOKEN, type Stack, startStack, TOKEN } from "./support/stack.js";

let stack: Stack;
const auth = { authorization: `Bearer ${TOKEN}` };

const api = (path: string, init?: RequestInit) => gatewayCall(stack, path, init);

beforeAll(async () => {
  // Gateway and events share the stream token secret: the gateway mints, the events service checks.
  stack = await startStack({ STREAM_TOKEN_SECRET: "e2e-stream-token-secret-of-32-bytes-min" });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("the four services as separate processes", () => {
  let planId = "";
  let jobId = "";

  it("accepts a plan generation with 202, the draft plan and a job id", async () => {
    const res = await api("/api/ai/study-plans/generate/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ goal: "Learn linear algebra", start_date: "2026-12-01", end_date: "2026-12-07" }),
    });
    expect(res.status).toBe(202);
    expect(res.body.generation_status).toBe("pending");
    expect(typeof res.body.job_id).toBe("string");
    planId = String(res.body.id);
    jobId = String(res.body.job_id);
  });

  it("streams the job over SSE through the gateway: meta running, progress, then result, and the stream ends", async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${jobId}`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const { messages: events } = await readSse(res, { timeoutMs: 30_000 });
    const names = events.map((e) => `${e.event}${e.event === "meta" ? `:${String(e.data.status)}` : ""}`);
    expect(names).toContain("meta:running");
    const running = names.indexOf("meta:running");
    expect(names.indexOf("meta:queued")).toBeGreaterThanOrEqual(0);
    expect(names.indexOf("meta:queued")).toBeLessThan(running);
    const firstProgress = names.indexOf("progress");
    const result = names.indexOf("result");
    expect(firstProgress).toBeGreaterThan(running);
    expect(result).toBeGreaterThan(firstProgress);
    expect(events[result]?.data).toMatchObject({ job_id: jobId, plan_id: planId });
    // Every message carries its JOB_EVENTS sequence as id, increasing.
    const ids = events.map((e) => Number(e.id));
    expect(ids.every((id, i) => i === 0 || id >= (ids[i - 1] ?? 0))).toBe(true);
  });

  it("opens the stream with a browser stream token minted by the gateway, and only the stream", async () => {
    const minted = await api("/api/ai/jobs/stream-token/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ job_ids: [jobId] }),
    });
    expect(minted.status).toBe(201);
    const token = String(minted.body.token);
    // No Authorization header: the token in the query is all the browser has.
    const res = await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${jobId}&token=${token}`);
    expect(res.status).toBe(200);
    const { messages: events } = await readSse(res, { timeoutMs: 30_000 });
    expect(events.some((e) => e.event === "result")).toBe(true);
    // Straight at the events service too; and no other route takes it.
    const direct = await fetch(`${stack.eventsUrl}/api/ai/jobs/stream/?job_id=${jobId}&token=${token}`);
    expect(direct.status).toBe(200);
    await direct.body?.cancel();
    expect((await fetch(`${stack.gatewayUrl}/api/ai/jobs/${jobId}/?token=${token}`)).status).toBe(401);
    const other = await fetch(`${stack.gatewayUrl}/api/ai/jobs/${jobId}/`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(other.status).toBe(401);
  });

  it("resumes the stream after Last-Event-ID with only the later messages", async () => {
    const { messages: all } = await readSse(
      await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${jobId}`, { headers: auth }),
      { timeoutMs: 30_000 },
    );
    const middle = all[Math.floor(all.length / 2)];
    if (!middle?.id) throw new Error("no middle event");
    const res = await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${jobId}`, {
      headers: { ...auth, "last-event-id": middle.id },
    });
    const { messages: rest } = await readSse(res, { timeoutMs: 30_000 });
    expect(rest.map((e) => e.id)).toEqual(all.filter((e) => Number(e.id) > Number(middle.id)).map((e) => e.id));
  });

  it("shows the job succeeded with progress 100, and the plan with its days and tasks", async () => {
    const job = await waitFor(
      async () => {
        const r = await api(`/api/ai/jobs/${jobId}/`);
        return r.body.status === "succeeded" ? r : undefined;
      },
      { what: "the job record to say succeeded", timeoutMs: 15_000 },
    );
    expect(job.body).toMatchObject({ job_id: jobId, status: "succeeded", attempt: 1, progress: { pct: 100 } });
    expect(job.body.result_refs).toMatchObject({ plan_id: planId, day_count: 7 });

    const plan = await api(`/api/ai/study-plans/${planId}/`);
    expect(plan.status).toBe(200);
    expect(plan.body.generation_status).toBe("succeeded");
    expect(plan.body.provider).toBe("offline");
    const days = plan.body.days as Array<{ date: string; sections: Array<{ tasks: unknown[] }> }>;
    expect(days).toHaveLength(7);
    expect(days[0]?.date).toBe("2026-12-01");
    expect(days.every((d) => d.sections.some((s) => s.tasks.length > 0))).toBe(true);
  });

  it("keeps tenants apart: another tenant's token gets 404 for the plan and the job", async () => {
    const other = { authorization: `Bearer ${OTHER_TOKEN}` };
    expect((await api(`/api/ai/study-plans/${planId}/`, { headers: other })).status).toBe(404);
    expect((await api(`/api/ai/jobs/${jobId}/`, { headers: other })).status).toBe(404);
    expect((await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${jobId}`, { headers: other })).status).toBe(
      404,
    );
  });

  it("ingests an uploaded Markdown file: the job succeeds and the chunks exist", async () => {
    const markdown = `# Vectors\n\n${"A vector has a size and a direction. ".repeat(40)}\n\n## Matrices\n\n${"A matrix maps vectors to vectors. ".repeat(40)}\n`;
    const form = new FormData();
    form.append("file", new Blob([markdown], { type: "text/markdown" }), "notes.md");
    const res = await api(`/api/ai/study-plans/${planId}/materials/`, { method: "POST", body: form });
    expect(res.status).toBe(202);
    const ingestJob = String(res.body.job_id);
    expect(typeof res.body.file_id).toBe("string");
    await waitFor(
      async () => ((await api(`/api/ai/jobs/${ingestJob}/`)).body.status === "succeeded" ? true : undefined),
      { what: "the ingest job to succeed", timeoutMs: 20_000 },
    );
    const plan = await api(`/api/ai/study-plans/${planId}/`);
    expect(plan.body.ingest_status).toBe("succeeded");

    const client = await MongoClient.connect(stack.mongo.url);
    try {
      const chunks = await client.db(stack.mongo.dbName).collection("chunks").find({ planId }).toArray();
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.every((c) => Array.isArray(c.embedding) && c.embedding.length > 0)).toBe(true);
      expect(chunks.map((c) => c.metadata?.heading)).toContain("Matrices");
    } finally {
      await client.close();
    }
  });

  it("exports the plan: the planner writes the file to the object store and the gateway streams it back", async () => {
    const res = await api(`/api/ai/study-plans/${planId}/export/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ format: "xlsx" }),
    });
    expect(res.status).toBe(202);
    const exportId = String(res.body.job_id);
    await waitFor(async () => (await api(`/api/ai/jobs/${exportId}/`)).body.status === "succeeded" || undefined, {
      what: "the export job to succeed",
      timeoutMs: 15_000,
    });
    const file = await fetch(`${stack.gatewayUrl}/api/ai/exports/${exportId}/`, { headers: auth });
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it("shows the queues page (consumer info, the oldest waiting job, live workers)", async () => {
    const res = await api("/api/ai/queues/");
    expect(res.status).toBe(200);
  });

  it("runs all of the above with each service as its own NATS user: the server refused nothing", () => {
    expect(stack.nats.auth).toBeDefined();
    expect(stack.nats.violations()).toEqual([]);
  });

  it("every service answers healthz and readyz, and exits 0 on SIGTERM", async () => {
    const health = await fetch(`${stack.gatewayUrl}/api/ai/health/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(health.status).toBe(200);
    const code = await stack.services.planner.kill("SIGTERM");
    expect(code).toBe(0);
  });
});
