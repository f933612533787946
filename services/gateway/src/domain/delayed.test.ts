import {
  GeneratePlanResponse,
  HEADERS,
  JobCommand,
  JobEvent,
  JobView,
  STREAMS,
  SUBJECTS,
  UploadResponse,
} from "@ai-jobs/contracts";
import { createCancellation } from "@ai-jobs/runtime";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, planBody, problemOf, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const generate = (overrides: Record<string, unknown>) =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers: auth, payload: planBody(overrides) });
const getMessage = (stream: string, subject: string) =>
  h.ctx.nats.jsm.streams.getMessage(stream, { last_by_subj: subject });
const jobView = async (jobId: string) =>
  JobView.parse((await app.inject({ method: "GET", url: `/api/ai/jobs/${jobId}/`, headers: auth })).json());
const secondPrecision = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

describe("a delayed submit (delay_ms / run_at)", () => {
  it("holds the command in JOBS_DELAYED as a schedule that fires into delayed.due.… at run_at, with body and traceparent", async () => {
    const before = await h.counts();
    const submittedAt = Date.now();
    const res = await generate({ delay_ms: 2_000 });
    expect(res.statusCode).toBe(202);
    const { job_id: jobId } = GeneratePlanResponse.parse(res.json());

    const job = await h.readJob(jobId);
    const runAt = job?.runAt;
    if (!runAt) throw new Error("the job record has no runAt");
    expect(runAt.getTime() % 1000).toBe(0); // a schedule holds whole seconds, rounded up
    expect(runAt.getTime()).toBeGreaterThanOrEqual(submittedAt + 2_000);
    expect(runAt.getTime()).toBeLessThan(submittedAt + 4_000);
    expect(job?.dispatchedAt).toBeInstanceOf(Date);
    expect((await jobView(jobId)).run_at).toBe(runAt.toISOString());

    // Not in JOBS: only the schedule in JOBS_DELAYED.
    const after = await h.counts();
    expect(after.jobsStream).toBe(before.jobsStream);
    expect(after.delayedStream).toBe(before.delayedStream + 1);
    const schedule = await getMessage(STREAMS.delayed, SUBJECTS.delayedSchedule(jobId));
    expect(schedule?.header.get(HEADERS.schedule)).toBe(`@at ${secondPrecision(runAt)}`);
    expect(schedule?.header.get(HEADERS.scheduleTarget)).toBe(SUBJECTS.delayedDue("ai_generation", "normal", "acme"));
    expect(schedule?.header.get(HEADERS.msgId)).toBe(`${jobId}:schedule`);
    const traceparent = schedule?.header.get("traceparent");
    expect(traceparent).toMatch(new RegExp(`^00-${job?.traceId}-[0-9a-f]{16}-0[01]$`));
    const command = JobCommand.parse(schedule?.json());
    expect(command).toMatchObject({ jobId, type: "plan.generate", priority: "normal" });

    const queued = JobEvent.parse((await getMessage(STREAMS.events, SUBJECTS.event("acme", jobId, "queued")))?.json());
    expect(queued.data).toMatchObject({ runAt: runAt.toISOString(), job: { payload: command.payload } });

    // The real nats-server fires the schedule at run_at into the due subject of the same stream.
    const due = await waitFor(
      async () => {
        const msg = await getMessage(STREAMS.delayed, SUBJECTS.delayedDue("ai_generation", "normal", "acme"));
        return msg && JobCommand.parse(msg.json()).jobId === jobId ? msg : undefined;
      },
      { what: "the schedule to fire", timeoutMs: 10_000, intervalMs: 100 },
    );
    console.info(
      `schedule fired ${due.time.getTime() - runAt.getTime()} ms after run_at (${Date.now() - submittedAt} ms after submit)`,
    );
    expect(due.time.getTime()).toBeGreaterThanOrEqual(runAt.getTime());
    expect(JobCommand.parse(due.json())).toEqual(command);
    expect(due.header.get("traceparent")).toBe(traceparent);
    expect(due.header.get(HEADERS.jobType)).toBe("plan.generate");
    expect(due.header.get("Nats-Scheduler")).toBe(SUBJECTS.delayedSchedule(jobId));
    // A one-shot schedule is removed once it fired; moving the job into JOBS is the events forwarder's part.
    expect(await getMessage(STREAMS.delayed, SUBJECTS.delayedSchedule(jobId))).toBeNull();
    expect((await h.counts()).jobsStream).toBe(before.jobsStream);
  });

  it("takes run_at with an offset on an upload's form fields", async () => {
    const planId = GeneratePlanResponse.parse((await generate({})).json()).id;
    const runAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    const local = new Date(runAt.getTime() + 2 * 3_600_000).toISOString().replace("Z", "+02:00");
    const body = new FormData();
    body.append("file", new Blob(["# Notes\n"], { type: "text/markdown" }), "notes.md");
    body.append("run_at", local);
    const res = await app.inject({
      method: "POST",
      url: `/api/ai/study-plans/${planId}/materials/`,
      headers: auth,
      payload: body,
    });
    expect(res.statusCode).toBe(202);
    const { job_id: jobId } = UploadResponse.parse(res.json());
    expect((await jobView(jobId)).run_at).toBe(runAt.toISOString());
    const schedule = await getMessage(STREAMS.delayed, SUBJECTS.delayedSchedule(jobId));
    expect(schedule?.header.get(HEADERS.scheduleTarget)).toBe(SUBJECTS.delayedDue("ingest", "normal", "acme"));
    expect(schedule?.header.get(HEADERS.schedule)).toBe(`@at ${secondPrecision(runAt)}`);
  });

  it("runs a job whose run_at has passed (or delay_ms 0) at once", async () => {
    for (const options of [{ run_at: new Date(Date.now() - 60_000).toISOString() }, { delay_ms: 0 }]) {
      const before = await h.counts();
      const res = await generate(options);
      expect(res.statusCode).toBe(202);
      expect((await jobView(GeneratePlanResponse.parse(res.json()).job_id)).run_at).toBeNull();
      const after = await h.counts();
      expect(after.jobsStream).toBe(before.jobsStream + 1);
      expect(after.delayedStream).toBe(before.delayedStream);
    }
  });

  for (const [name, options, field] of [
    ["both delay_ms and run_at", { delay_ms: 1_000, run_at: new Date(Date.now() + 60_000).toISOString() }, "run_at"],
    ["a delay over 30 days", { delay_ms: 31 * 86_400_000 }, "delay_ms"],
    ["a run_at over 30 days ahead", { run_at: new Date(Date.now() + 31 * 86_400_000).toISOString() }, "run_at"],
    ["a run_at without an offset", { run_at: "2026-12-01T10:00:00" }, "run_at"],
    ["a negative delay", { delay_ms: -5 }, "delay_ms"],
  ] as const) {
    it(`answers 400 for ${name}, and writes nothing`, async () => {
      const before = await h.counts();
      const res = await generate(options);
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).errors?.map((e) => e.field)).toContain(field);
      expect(await h.counts()).toEqual(before);
    });
  }

  it("cancelling a delayed job removes its schedule, so it never reaches a queue", async () => {
    const { job_id: jobId } = GeneratePlanResponse.parse((await generate({ delay_ms: 60_000 })).json());
    expect(await getMessage(STREAMS.delayed, SUBJECTS.delayedSchedule(jobId))).not.toBeNull();
    const res = await app.inject({ method: "DELETE", url: `/api/ai/jobs/${jobId}/`, headers: auth });
    expect(res.statusCode).toBe(202);
    expect(JobView.parse(res.json()).status).toBe("cancelled");
    expect(await getMessage(STREAMS.delayed, SUBJECTS.delayedSchedule(jobId))).toBeNull();
    expect(await createCancellation(h.ctx.nats.js).isRequested(jobId)).toBe(true);
    expect(await getMessage(STREAMS.events, SUBJECTS.event("acme", jobId, "cancelled"))).not.toBeNull();
  });

  it("retrying a cancelled delayed job runs it now, and removes a schedule still pending so it cannot run twice", async () => {
    const { job_id: jobId } = GeneratePlanResponse.parse((await generate({ delay_ms: 60_000 })).json());
    // As if it was cancelled while its schedule could not be removed: only the `cancelled` event, nothing else.
    await h.ctx.events.publish(
      {
        kind: "cancelled",
        jobId,
        tenantId: "acme",
        type: "plan.generate",
        attempt: 0,
        at: new Date().toISOString(),
        data: {},
      },
      { n: 0 },
    );
    const before = await h.counts();
    const res = await app.inject({ method: "POST", url: `/api/ai/jobs/${jobId}/retry/`, headers: auth });
    expect(res.statusCode).toBe(202);
    expect(await getMessage(STREAMS.delayed, SUBJECTS.delayedSchedule(jobId))).toBeNull();
    expect((await h.counts()).jobsStream).toBe(before.jobsStream + 1);
    const command = await getMessage(STREAMS.jobs, SUBJECTS.job("ai_generation", "normal", "acme"));
    expect(command?.header.get(HEADERS.msgId)).toBe(`${jobId}:retry:1`);
  });
});
