import { describe, expect, it } from "vitest";
import { AiJobsClient } from "./client.js";
import { ApiError, ConnectionError, ResponseError } from "./errors.js";
import type { FetchLike } from "./options.js";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch answering from a script, one answer per call, recording the calls. */
function scripted(answers: Array<() => Response>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({
      url,
      method: init.method ?? "GET",
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: init.body,
    });
    const answer = answers[calls.length - 1];
    if (!answer) throw new Error(`unexpected call ${calls.length}: ${url}`);
    return answer();
  };
  return { fetch, calls };
}

const problem =
  (status: number, code: string, headers: Record<string, string> = {}) =>
  () =>
    new Response(
      JSON.stringify({ type: `urn:ai-jobs:problem:${code.toLowerCase()}`, title: "T", status, code, detail: "d" }),
      { status, headers: { "content-type": "application/problem+json", ...headers } },
    );

const JOB = {
  job_id: "01K",
  type: "plan.generate",
  queue: "ai_generation",
  priority: "normal",
  status: "queued",
  progress: { pct: 0, step: null, message: null },
  attempt: 0,
  max_attempts: 3,
  last_error: null,
  result_refs: null,
  trace_id: null,
  user_id: "ada",
  run_at: null,
  retries: 0,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
  started_at: null,
  finished_at: null,
};
const ok =
  (body: unknown, status = 200) =>
  () =>
    Response.json(body, { status });

describe("AiJobsClient requests", () => {
  it("sends the bearer token (a function's, fresh each time) under the base URL's path, ids encoded", async () => {
    const { fetch, calls } = scripted([ok(JOB), ok(JOB)]);
    let n = 0;
    const client = new AiJobsClient({ baseUrl: "https://h.example/prefix/", token: () => `t${++n}`, fetch });
    await client.getJob("01K");
    await client.getJob("a/b");
    expect(calls.map((c) => [c.url, c.headers.authorization])).toEqual([
      ["https://h.example/prefix/api/ai/jobs/01K/", "Bearer t1"],
      ["https://h.example/prefix/api/ai/jobs/a%2Fb/", "Bearer t2"],
    ]);
  });

  it("sends Idempotency-Key and the JSON body on a submit", async () => {
    const { fetch, calls } = scripted([ok({ plan_id: "P", job_id: "J" }, 202)]);
    const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch });
    expect(await client.submitTasks("P", { day_id: "d", section_id: "s" }, { idempotencyKey: "k-1" })).toEqual({
      plan_id: "P",
      job_id: "J",
    });
    expect(calls[0]).toMatchObject({
      method: "POST",
      url: "http://h/api/ai/study-plans/P/tasks/",
      headers: { "idempotency-key": "k-1", "content-type": "application/json" },
      body: '{"day_id":"d","section_id":"s"}',
    });
  });

  it("throws an ApiError with the problem's fields and Retry-After", async () => {
    const { fetch } = scripted([problem(429, "RATE_LIMITED", { "retry-after": "7", "x-request-id": "r1" })]);
    const err = await new AiJobsClient({ baseUrl: "http://h", token: "t", fetch }).getJob("x").catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, code: "RATE_LIMITED", detail: "d", retryAfter: 7, requestId: "r1" });
  });

  it("makes an ApiError of an answer that is no problem, by its status", async () => {
    const { fetch } = scripted([() => new Response("<html>bad gateway</html>", { status: 502 })]);
    const err = await new AiJobsClient({ baseUrl: "http://h", token: "t", fetch }).getJob("x").catch((e) => e);
    expect(err).toMatchObject({ status: 502, type: "about:blank", code: "HTTP_502" });
  });

  it("refuses an answer that does not match the API's schema", async () => {
    const { fetch } = scripted([ok({ ...JOB, status: "exploded" })]);
    const err = await new AiJobsClient({ baseUrl: "http://h", token: "t", fetch }).getJob("x").catch((e) => e);
    expect(err).toBeInstanceOf(ResponseError);
    expect(err.issues).toEqual([expect.stringContaining("status")]);
  });

  it("makes a ConnectionError of a network failure", async () => {
    const fetch: FetchLike = async () => {
      throw new TypeError("fetch failed");
    };
    const err = await new AiJobsClient({ baseUrl: "http://h", token: "t", fetch }).getJob("x").catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
  });
});

describe("opt-in retry", () => {
  it("is off by default", async () => {
    const { fetch, calls } = scripted([problem(503, "SERVICE_UNAVAILABLE", { "retry-after": "0" })]);
    await expect(new AiJobsClient({ baseUrl: "http://h", token: "t", fetch }).getJob("x")).rejects.toThrow(ApiError);
    expect(calls).toHaveLength(1);
  });

  it("retries 429 and 503 after Retry-After, up to `attempts` requests", async () => {
    const { fetch, calls } = scripted([
      problem(429, "RATE_LIMITED", { "retry-after": "0" }),
      problem(503, "SERVICE_UNAVAILABLE", { "retry-after": "0" }),
      ok(JOB),
    ]);
    const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch, retry: { attempts: 3 } });
    expect((await client.getJob("x")).job_id).toBe("01K");
    expect(calls).toHaveLength(3);

    const again = scripted([
      problem(429, "RATE_LIMITED", { "retry-after": "0" }),
      problem(429, "RATE_LIMITED", { "retry-after": "0" }),
    ]);
    const limited = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch: again.fetch });
    await expect(limited.getJob("x", { retry: { attempts: 2 } })).rejects.toMatchObject({ status: 429 });
    expect(again.calls).toHaveLength(2);
  });

  it("never retries another status", async () => {
    for (const [status, code] of [
      [400, "VALIDATION_FAILED"],
      [404, "NOT_FOUND"],
      [409, "CONFLICT"],
      [500, "INTERNAL"],
      [502, "HTTP_502"],
    ] as const) {
      const { fetch, calls } = scripted([problem(status, code, { "retry-after": "0" }), ok(JOB)]);
      const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch, retry: { attempts: 5 } });
      await expect(client.getJob("x")).rejects.toMatchObject({ status });
      expect(calls).toHaveLength(1);
    }
  });

  it("does not wait out a Retry-After longer than maxDelayMs: it throws at once", async () => {
    const { fetch, calls } = scripted([problem(429, "RATE_LIMITED", { "retry-after": "3600" }), ok(JOB)]);
    const client = new AiJobsClient({
      baseUrl: "http://h",
      token: "t",
      fetch,
      retry: { attempts: 3, maxDelayMs: 5_000 },
    });
    const started = Date.now();
    await expect(client.getJob("x")).rejects.toMatchObject({ status: 429, retryAfter: 3600 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls).toHaveLength(1);
  });

  it("stops waiting when the signal aborts", async () => {
    const { fetch } = scripted([problem(503, "SERVICE_UNAVAILABLE", { "retry-after": "20" }), ok(JOB)]);
    const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch, retry: { attempts: 2 } });
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error("stop")), 20);
    await expect(client.getJob("x", { signal: abort.signal })).rejects.toThrow("stop");
  });
});

describe("uploads, pages and stream URLs", () => {
  it("uploads bytes as multipart with the filename and the fields", async () => {
    const { fetch, calls } = scripted([ok({ job_id: "J", file_id: "F", document_id: "D" }, 202)]);
    const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch });
    await client.submitMaterial("P", { file: new TextEncoder().encode("# Notes"), filename: "n.md", priority: "high" });
    const form = calls[0]?.body as FormData;
    expect(form.get("priority")).toBe("high");
    const file = form.get("file") as File;
    expect([file.name, await file.text()]).toEqual(["n.md", "# Notes"]);
    await expect(client.submitMaterial("P", { file: new Uint8Array([1]) })).rejects.toThrow(/filename/);
  });

  it("iterates every page of a list, asking for the next with next_cursor", async () => {
    const page = (ids: string[], next: string | null) =>
      ok({ items: ids.map((job_id) => ({ ...JOB, job_id })), next_cursor: next });
    const { fetch, calls } = scripted([page(["c", "b"], "b"), page(["a"], null)]);
    const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch });
    const ids: string[] = [];
    for await (const job of client.listJobs({ limit: 2, status: "failed" })) ids.push(job.job_id);
    expect(ids).toEqual(["c", "b", "a"]);
    expect(calls.map((c) => new URL(c.url).search)).toEqual([
      "?limit=2&status=failed",
      "?limit=2&status=failed&cursor=b",
    ]);
  });

  it("reads who the caller is, usage, schedules, a job's usage and webhooks, and the queue history", async () => {
    const totals = { calls: 2, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, latency_ms: 30 };
    const { fetch, calls } = scripted([
      ok({ tenant_id: "acme", user_id: "u", role: "viewer", trace_ui_url: null }),
      ok({
        since: "2026-01-01T00:00:00Z",
        until: null,
        totals,
        by_model: [],
        by_type: [],
        by_day: [{ day: "2026-01-01", system: "openai", model: "m", ...totals }],
      }),
      ok({ items: [] }),
      ok({ job_id: "J", totals, attempts: [] }),
      ok({ items: [] }),
      ok({ interval_ms: 60_000, window_ms: 3_600_000, samples: [] }),
    ]);
    const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch });
    expect((await client.me()).role).toBe("viewer");
    expect((await client.usage({ since: "2026-01-01T00:00:00Z" })).by_day[0]?.total_tokens).toBe(15);
    expect(await client.schedules()).toEqual([]);
    expect((await client.jobUsage("J")).totals).toEqual(totals);
    expect(await client.webhookDeliveries("J")).toEqual([]);
    expect((await client.queueHistory()).interval_ms).toBe(60_000);
    expect(calls.map((c) => c.url.replace("http://h/api/ai", ""))).toEqual([
      "/me/",
      "/usage/?since=2026-01-01T00%3A00%3A00Z",
      "/schedules/",
      "/jobs/J/usage/",
      "/jobs/J/webhooks/",
      "/queues/history/",
    ]);
  });

  it("builds the EventSource URL with a minted stream token", async () => {
    const { fetch, calls } = scripted([ok({ token: "tok", expires_at: "2026-01-01T00:05:00Z" }, 201)]);
    const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch });
    expect(await client.streamUrl(["A", "B"])).toBe("http://h/api/ai/jobs/stream/?job_id=A&job_id=B&token=tok");
    expect(calls[0]?.body).toBe('{"job_ids":["A","B"]}');
  });
});
