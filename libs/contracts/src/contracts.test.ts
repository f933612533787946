import { describe, expect, it } from "vitest";
import {
  GeneratePlanRequest,
  JOB_TYPES,
  JobEvent,
  parseEventSubject,
  StreamQuery,
  SUBJECTS,
  statusAfter,
  toSseMessages,
} from "./index.js";
import { registryOf } from "./job-types/job-type.js";

const base = {
  jobId: "01JABCDEFGHJKMNPQRSTVWXYZ0",
  tenantId: "acme",
  type: "plan.generate",
  attempt: 1,
  at: new Date().toISOString(),
};

describe("GeneratePlanRequest", () => {
  it("accepts a minimal request and fills defaults", () => {
    const r = GeneratePlanRequest.parse({ goal: "Learn Rust", start_date: "2026-12-01", end_date: "2026-12-07" });
    expect(r.daily_minutes).toBe(60);
    expect(r.priority).toBe("normal");
  });

  it("names the field when the end date is before the start date", () => {
    const r = GeneratePlanRequest.safeParse({ goal: "Learn Rust", start_date: "2026-12-07", end_date: "2026-12-01" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["end_date"]);
  });

  it("rejects impossible dates, unknown fields and unknown priorities", () => {
    expect(
      GeneratePlanRequest.safeParse({ goal: "abc", start_date: "2026-02-30", end_date: "2026-03-01" }).success,
    ).toBe(false);
    expect(
      GeneratePlanRequest.safeParse({ goal: "abc", start_date: "2026-01-01", end_date: "2026-01-02", extra: 1 })
        .success,
    ).toBe(false);
    expect(
      GeneratePlanRequest.safeParse({
        goal: "abc",
        start_date: "2026-01-01",
        end_date: "2026-01-02",
        priority: "urgent",
      }).success,
    ).toBe(false);
  });
});

describe("subjects", () => {
  it("round-trips an event subject", () => {
    const subject = SUBJECTS.event("acme", "J1", "progress");
    expect(subject).toBe("events.acme.J1.progress");
    expect(parseEventSubject(subject)).toEqual({ tenantId: "acme", jobId: "J1", kind: "progress" });
    expect(parseEventSubject("jobs.ingest.low.acme")).toBeUndefined();
  });

  it("puts queue, priority and tenant in the job subject", () => {
    expect(SUBJECTS.job("ingest", "critical", "acme")).toBe("jobs.ingest.critical.acme");
    expect(SUBJECTS.jobFilter("ingest", "critical")).toBe("jobs.ingest.critical.>");
  });
});

describe("job type registry", () => {
  it("gives every job type a queue, a time limit and an attempt budget", () => {
    for (const spec of Object.values(JOB_TYPES)) {
      expect(["ai_generation", "ingest"]).toContain(spec.queue);
      expect(spec.timeoutMs).toBeGreaterThan(0);
      expect(spec.maxAttempts).toBeGreaterThanOrEqual(1);
    }
  });

  it("keys each contract by its own name", () => {
    for (const [name, spec] of Object.entries(JOB_TYPES)) expect(spec.type).toBe(name);
  });

  it("refuses a job type listed twice", () => {
    expect(() => registryOf(JOB_TYPES["plan.summary"], JOB_TYPES["plan.summary"])).toThrow(
      'job type "plan.summary" is in the registry twice',
    );
  });
});

describe("events to SSE", () => {
  it("maps a started event to meta running with the stream sequence as id", () => {
    const event = JobEvent.parse({ ...base, kind: "started", data: {} });
    expect(toSseMessages(event, 42)).toEqual([
      { event: "meta", id: "42", data: { job_id: base.jobId, status: "running" } },
    ]);
  });

  it("maps success to a result with the result refs, then meta succeeded", () => {
    const event = JobEvent.parse({ ...base, kind: "succeeded", data: { result: { plan_id: "P1" } } });
    const messages = toSseMessages(event, 7);
    expect(messages.map((m) => m.event)).toEqual(["result", "meta"]);
    expect(messages[0]?.data).toEqual({ job_id: base.jobId, plan_id: "P1" });
  });

  it("maps failure to an error message", () => {
    const event = JobEvent.parse({
      ...base,
      kind: "failed",
      data: { error: { code: "TIMEOUT", message: "too slow" } },
    });
    expect(toSseMessages(event, 3)[0]).toEqual({
      event: "error",
      id: "3",
      data: { job_id: base.jobId, code: "TIMEOUT", message: "too slow" },
    });
  });

  it("knows which kinds change the status", () => {
    expect(statusAfter("progress")).toBeUndefined();
    expect(statusAfter("started")).toBe("running");
    expect(statusAfter("failed")).toBe("failed");
  });
});

describe("StreamQuery", () => {
  it("accepts one or many job ids and bounds them", () => {
    expect(StreamQuery.parse({ job_id: "a" }).job_id).toEqual(["a"]);
    expect(StreamQuery.parse({ job_id: ["a", "b"] }).job_id).toEqual(["a", "b"]);
    expect(StreamQuery.safeParse({ job_id: Array.from({ length: 101 }, (_, i) => `j${i}`) }).success).toBe(false);
    expect(StreamQuery.safeParse({}).success).toBe(false);
  });
});
