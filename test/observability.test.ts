/**
 * Observability of the four real service processes: the spans they export over OTLP/HTTP (to a receiver in this
 * test), their Prometheus `/metrics`, and their JSON log lines.
 */
import { readSse, waitFor } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND, startOtlpReceiver } from "./support/otlp-receiver.js";
import { gatewayCall, type Stack, startStack, TOKEN, untilStatus } from "./support/stack.js";

let receiver: OtlpReceiver;
let stack: Stack;
const auth = { authorization: `Bearer ${TOKEN}` };

const api = (path: string, init?: RequestInit) => gatewayCall(stack, path, init);

async function submitPlan(): Promise<string> {
  const res = await api("/api/ai/study-plans/generate/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ goal: "Learn graph theory", start_date: "2026-12-01", end_date: "2026-12-05" }),
  });
  expect(res.status).toBe(202);
  return String(res.body.job_id);
}

const traceOf = (traceId: string) => receiver.spans().filter((s) => s.traceId === traceId);

/** Waits until the spans of a trace satisfy `ready` (exporters batch, so spans arrive a little after the fact). */
const untilSpans = (traceId: string, what: string, ready: (spans: ReceivedSpan[]) => boolean) =>
  waitFor(
    () => {
      const spans = traceOf(traceId);
      return ready(spans) ? spans : undefined;
    },
    { what, timeoutMs: 20_000, intervalMs: 100 },
  );

const isProcessOf = (jobId: string) => (s: ReceivedSpan) =>
  s.service === "planner" && s.kind === SPAN_KIND.consumer && s.attributes["messaging.message.id"] === jobId;

/** A Prometheus text-format sample: the value of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(match[3]);
  }
  return undefined;
}

const metricsOf = async (baseUrl: string) => {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return res.text();
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    // Export spans within a tenth of a second instead of the default five.
    OTEL_BSP_SCHEDULE_DELAY: "100",
    // Slow enough that an SSE client is connected while the job still publishes events.
    OFFLINE_STEP_DELAY_MS: "150",
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

describe("one trace per job", () => {
  let jobId: string;
  let traceId: string;

  it("holds the gateway's request and publish, the planner's attempt with its MongoDB writes and events, and the events service's projection and SSE fan-out", async () => {
    jobId = await submitPlan();
    const stream = await fetch(`${stack.gatewayUrl}/api/ai/jobs/stream/?job_id=${jobId}`, { headers: auth });
    expect(stream.status).toBe(200);
    await readSse(stream, { until: (read) => read.messages.some((e) => e.event === "result"), timeoutMs: 30_000 });
    const job = await untilStatus(stack, jobId, "succeeded");
    traceId = String(job.trace_id);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const spans = await untilSpans(
      traceId,
      "gateway, planner and events spans of the job",
      (all) =>
        all.some((s) => s.name === "project job event" && s.attributes["job.event"] === "succeeded") &&
        all.some((s) => s.name === "sse fan-out" && s.attributes["job.event"] === "succeeded") &&
        all.some((s) => isProcessOf(jobId)(s)),
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);

    // Every service says who it is.
    for (const s of spans) {
      expect(s.resource["service.version"], s.name).toEqual(expect.any(String));
      expect(s.resource["service.instance.id"], s.name).toEqual(expect.any(String));
    }
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(["gateway", "planner", "events"]));

    // gateway: the HTTP request, and the command published inside it.
    const request = spans.find((s) => s.service === "gateway" && s.kind === SPAN_KIND.server);
    expect(request?.name).toBe("POST /api/ai/study-plans/generate");
    expect(request?.parentSpanId).toBe("");
    const publish = spans.find(
      (s) =>
        s.service === "gateway" &&
        s.kind === SPAN_KIND.producer &&
        String(s.attributes["messaging.destination.name"]).startsWith("jobs.ai_generation."),
    );
    expect(publish?.attributes).toMatchObject({ "messaging.system": "nats", "messaging.message.id": jobId });
    expect(publish && parentOf(publish)).toBe(request);

    // planner: the attempt is a CONSUMER span whose parent is that publish (context from the NATS headers).
    const attempt = spans.find(isProcessOf(jobId));
    expect(attempt?.parentSpanId).toBe(publish?.spanId);
    expect(attempt?.attributes).toMatchObject({
      "messaging.system": "nats",
      "messaging.operation.type": "process",
      "messaging.destination.name": String(publish?.attributes["messaging.destination.name"]),
      "messaging.message.id": jobId,
      "messaging.consumer.group.name": "worker_ai_generation_normal",
      "messaging.nats.delivery_count": 1,
      "job.id": jobId,
      "job.type": "plan.generate",
      "job.outcome": "succeeded",
    });

    // Under the attempt: the MongoDB writes of the plan, and the job's events published to JOB_EVENTS.
    const underAttempt = (s: ReceivedSpan) => {
      for (let p = parentOf(s); p; p = parentOf(p)) if (p === attempt) return true;
      return false;
    };
    const writes = spans.filter((s) => s.service === "planner" && s.attributes["db.system.name"] === "mongodb");
    expect(writes.map((s) => s.attributes["db.collection.name"])).toEqual(
      expect.arrayContaining(["study_days", "study_tasks", "study_plans"]),
    );
    for (const w of writes) {
      expect(w.kind).toBe(SPAN_KIND.client);
      expect(underAttempt(w), w.name).toBe(true);
    }
    const succeededPublish = spans.find(
      (s) =>
        s.kind === SPAN_KIND.producer &&
        s.attributes["messaging.destination.name"] === `events.acme.${jobId}.succeeded`,
    );
    expect(succeededPublish?.service).toBe("planner");
    expect(succeededPublish && underAttempt(succeededPublish)).toBe(true);

    // events: the projection of that event and its SSE fan-out are children of its publish.
    const projected = spans.find((s) => s.name === "project job event" && s.attributes["job.event"] === "succeeded");
    expect(projected?.service).toBe("events");
    expect(projected?.kind).toBe(SPAN_KIND.consumer);
    expect(projected?.parentSpanId).toBe(succeededPublish?.spanId);
    expect(projected?.attributes).toMatchObject({
      "messaging.system": "nats",
      "messaging.consumer.group.name": "events_projector",
      "messaging.destination.name": `events.acme.${jobId}.succeeded`,
    });
    const fanOut = spans.find((s) => s.name === "sse fan-out" && s.attributes["job.event"] === "succeeded");
    expect(fanOut?.service).toBe("events");
    expect(fanOut?.parentSpanId).toBe(succeededPublish?.spanId);
    expect(fanOut?.attributes["sse.clients"]).toBeGreaterThanOrEqual(1);
  });

  it("links the projector's batch write (with its MongoDB spans) to the job's trace", async () => {
    const batch = await waitFor(
      () =>
        receiver
          .spans()
          .find((s) => s.name === "project job events batch" && s.links.some((l) => l.traceId === traceId)),
      { what: "a projector batch linked to the job's trace", timeoutMs: 10_000 },
    );
    expect(batch.service).toBe("events");
    const writes = await waitFor(
      () => {
        const found = receiver.spans().filter((s) => s.parentSpanId === batch.spanId);
        return found.length > 0 ? found : undefined;
      },
      { what: "the batch's MongoDB spans", timeoutMs: 10_000 },
    );
    expect(writes.every((w) => w.attributes["db.system.name"] === "mongodb")).toBe(true);
    expect(writes.map((w) => w.attributes["db.collection.name"])).toContain("jobs");
  });

  it("exposes the job counters, HTTP, queue and SSE metrics on every service's internal /metrics", async () => {
    const planner = await metricsOf(stack.services.planner.internalUrl);
    const labels = { service: "planner", type: "plan.generate" };
    expect(sample(planner, "aijobs_jobs_started_total", labels)).toBe(1);
    expect(sample(planner, "aijobs_jobs_succeeded_total", labels)).toBe(1);
    expect(sample(planner, "aijobs_job_duration_seconds_count", { ...labels, outcome: "succeeded" })).toBe(1);
    expect(sample(planner, "aijobs_job_duration_seconds_sum", { ...labels, outcome: "succeeded" })).toBeGreaterThan(0);
    for (const name of ["jobs_failed_total", "jobs_retried_total", "jobs_dead_lettered_total", "llm_tokens_total"]) {
      expect(planner).toContain(`# TYPE aijobs_${name} counter`);
    }

    const gateway = await metricsOf(stack.services.gateway.internalUrl);
    const submit = { method: "POST", route: "/api/ai/study-plans/generate", status_code: "202" };
    expect(sample(gateway, "aijobs_http_requests_total", submit)).toBe(1);
    expect(sample(gateway, "aijobs_http_request_duration_seconds_count", submit)).toBe(1);
    expect(gateway).toContain("# TYPE aijobs_http_request_errors_total counter");
    expect(sample(gateway, "aijobs_queue_backlog", { queue: "ai_generation", priority: "normal" })).toBe(0);
    expect(sample(gateway, "aijobs_queue_in_flight", { queue: "ai_generation", priority: "critical" })).toBe(0);

    const events = await metricsOf(stack.services.events.internalUrl);
    expect(sample(events, "aijobs_sse_clients", { service: "events" })).toBe(0);
    expect(events).toContain("# TYPE aijobs_http_requests_total counter");
  });
});

describe("a job that fails on every attempt", () => {
  it("shows each attempt as its own process span in the job's trace, counts it, and logs its failure with trace and job ids but never the token", async () => {
    // A planner whose plan.generate attempts time out at once: every attempt is a transient failure.
    await stack.services.planner.kill("SIGTERM");
    const planner = await stack.spawn("planner", { JOB_TIMEOUTS_MS: "plan.generate=1" });
    stack.services.planner = planner;

    const jobId = await submitPlan();
    const job = await untilStatus(stack, jobId, "failed", 40_000);
    expect(job.last_error).toMatchObject({ code: "TIMEOUT" });
    const traceId = String(job.trace_id);

    const spans = await untilSpans(traceId, "three attempts", (all) => all.filter(isProcessOf(jobId)).length === 3);
    const attempts = spans.filter(isProcessOf(jobId));
    attempts.sort(
      (a, b) =>
        Number(a.attributes["messaging.nats.delivery_count"]) - Number(b.attributes["messaging.nats.delivery_count"]),
    );
    expect(attempts.map((a) => a.attributes["messaging.nats.delivery_count"])).toEqual([1, 2, 3]);
    expect(attempts.map((a) => a.attributes["job.outcome"])).toEqual(["retried", "retried", "failed"]);
    // Every attempt continues the same publish: the same parent, the same trace.
    expect(new Set(attempts.map((a) => a.parentSpanId)).size).toBe(1);
    const publish = spans.find((s) => s.spanId === attempts[0]?.parentSpanId);
    expect(publish?.service).toBe("gateway");
    expect(attempts.every((a) => a.status.code === 2)).toBe(true);

    const metrics = await metricsOf(planner.internalUrl);
    const labels = { service: "planner", type: "plan.generate" };
    expect(sample(metrics, "aijobs_jobs_started_total", labels)).toBe(3);
    expect(sample(metrics, "aijobs_jobs_retried_total", labels)).toBe(2);
    expect(sample(metrics, "aijobs_jobs_failed_total", { ...labels, code: "TIMEOUT" })).toBe(1);
    expect(sample(metrics, "aijobs_jobs_dead_lettered_total", { queue: "ai_generation" })).toBe(1);
    expect(sample(metrics, "aijobs_job_duration_seconds_count", { ...labels, outcome: "retried" })).toBe(2);

    const failure = await planner.waitForLog((l) => l.includes(jobId) && l.includes('"job failed"'), 10_000);
    const line = JSON.parse(failure) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "error",
      trace_id: traceId,
      job_id: jobId,
      tenant: "acme",
      queue: "ai_generation",
      attempt: 3,
      err_code: "TIMEOUT",
    });
    expect(line.span_id).toEqual(expect.stringMatching(/^[0-9a-f]{16}$/));
    expect(line.duration_ms).toEqual(expect.any(Number));
    expect((line.err as { stack?: string; code?: string }).stack).toContain("TransientError");
    expect((line.err as { code?: string }).code).toBe("TIMEOUT");

    for (const proc of [stack.services.gateway, stack.services.events, planner, stack.services.ingestor]) {
      expect(proc.logs().filter((l) => l.includes(TOKEN))).toEqual([]);
    }
  });
});

describe("NATS permissions", () => {
  it("did all of the above with each service as its own NATS user: the server refused nothing", () => {
    expect(stack.nats.auth).toBeDefined();
    expect(stack.nats.violations()).toEqual([]);
  });
});
