import { HEADERS, type JobCommand, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { describe, expect, it } from "vitest";
import { PermanentError, TransientError } from "../errors.js";
import { ingestPayload, startWorkerHarness, type WorkerHarness } from "../testing/worker-harness.js";
import type { FailureHook, JobHandler } from "./types.js";
import type { Worker } from "./worker.js";

const h = useHarness(() => startWorkerHarness());
const submit: WorkerHarness["submit"] = (...args) => h.submit(...args);
const kindsOf = (jobId: string) => h.kindsOf(jobId);
const startWorker = (
  ingest: JobHandler<"material.ingest">,
  concurrency = 1,
  onFailure?: FailureHook<"material.ingest">,
): Worker => h.startWorker({ ingest, concurrency, ...(onFailure ? { onFailure } : {}) });

describe("worker loop", () => {
  it("runs a critical job submitted behind a backlog of low jobs before that backlog", async () => {
    const order: string[] = [];
    const lows: string[] = [];
    for (let i = 0; i < 30; i++) lows.push(await submit("material.ingest", "low", ingestPayload(`low${i}`)));
    const critical = await submit("material.ingest", "critical", ingestPayload("critical"));
    const worker = startWorker(async (ctx) => {
      order.push(ctx.payload.documentId);
      return { document_id: ctx.payload.documentId, chunk_count: 0 };
    });
    await worker.start();
    await waitFor(() => order.length === 31, { what: "all 31 jobs to run", timeoutMs: 20_000 });
    await worker.stop(1_000);
    // At most one low job can be in hand when the critical one arrives; then critical goes first.
    expect(order.indexOf("critical")).toBeLessThanOrEqual(1);
    await waitFor(() => kindsOf(critical).includes("succeeded"), { what: "critical succeeded event" });
    expect(kindsOf(critical)).toEqual(["started", "succeeded"]);
    expect(lows).toHaveLength(30);
  });

  it("retries a transient failure after Retry-After and then succeeds, publishing a retrying event", async () => {
    const attempts: number[] = [];
    const jobId = await submit("material.ingest", "normal", ingestPayload("flaky"));
    const worker = startWorker(async (ctx) => {
      attempts.push(ctx.attempt);
      await ctx.progress({ pct: 50, message: "half way" });
      if (ctx.attempt === 1) throw new TransientError("UPSTREAM_UNAVAILABLE", "upstream said 429", 200);
      return { document_id: "flaky", chunk_count: 3 };
    });
    await worker.start();
    await waitFor(() => kindsOf(jobId).includes("succeeded"), {
      what: "the retried job to succeed",
      timeoutMs: 15_000,
    });
    await worker.stop(1_000);
    expect(attempts).toEqual([1, 2]);
    expect(kindsOf(jobId)).toEqual(["started", "progress", "retrying", "started", "progress", "succeeded"]);
    const retrying = h.events.find((e) => e.jobId === jobId && e.kind === "retrying");
    expect(retrying?.kind === "retrying" && retrying.data.error.code).toBe("UPSTREAM_UNAVAILABLE");
  });

  it("fails a permanent error at once, calls the failure hook and dead-letters the command with its error", async () => {
    const failures: string[] = [];
    const jobId = await submit("material.ingest", "high", ingestPayload("broken"));
    const worker = startWorker(
      async () => {
        throw new PermanentError("INVALID_PAYLOAD", "the file is not text");
      },
      1,
      async (command, error) => {
        failures.push(`${command.jobId}:${error.code}`);
      },
    );
    await worker.start();
    await waitFor(() => kindsOf(jobId).includes("failed"), { what: "the failed event", timeoutMs: 10_000 });
    await worker.stop(1_000);
    expect(kindsOf(jobId)).toEqual(["started", "failed"]);
    expect(failures).toEqual([`${jobId}:INVALID_PAYLOAD`]);
    const dead = await h.nats.jsm.streams.getMessage(STREAMS.deadLetters, {
      last_by_subj: SUBJECTS.deadLetter("ingest"),
    });
    expect(dead?.json<JobCommand>().jobId).toBe(jobId);
    expect(dead?.header.get(HEADERS.errorCode)).toBe("INVALID_PAYLOAD");
    expect(dead?.header.get(HEADERS.originalSubject)).toBe(SUBJECTS.job("ingest", "high", "acme"));
  });

  it("fails a command whose payload does not match its job type without running the handler", async () => {
    let ran = false;
    const jobId = await submit("material.ingest", "normal", { planId: "P1" });
    const worker = startWorker(async () => {
      ran = true;
      return { document_id: "x", chunk_count: 0 };
    });
    await worker.start();
    await waitFor(() => kindsOf(jobId).includes("failed"), { what: "the failed event", timeoutMs: 10_000 });
    await worker.stop(1_000);
    expect(ran).toBe(false);
    const failed = h.events.find((e) => e.jobId === jobId && e.kind === "failed");
    expect(failed?.kind === "failed" && failed.data.error.code).toBe("INVALID_PAYLOAD");
  });

  it("carries the publisher's trace context to the handler through NATS headers", async () => {
    const jobId = await submit("material.ingest", "normal", ingestPayload("traced"));
    const msg = await h.nats.jsm.streams.getMessage(STREAMS.jobs, {
      last_by_subj: SUBJECTS.job("ingest", "normal", "acme"),
    });
    expect(msg?.header.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const worker = startWorker(async () => ({ document_id: "traced", chunk_count: 0 }));
    await worker.start();
    await waitFor(() => kindsOf(jobId).includes("succeeded"), { what: "traced job", timeoutMs: 10_000 });
    await worker.stop(1_000);
  });

  it("publishes fresh events when the same job id runs again (an explicit retry), instead of dropping them as duplicates", async () => {
    const jobId = await submit("material.ingest", "normal", ingestPayload("rerun"));
    const worker = startWorker(async () => ({ document_id: "rerun", chunk_count: 1 }));
    await worker.start();
    await waitFor(() => kindsOf(jobId).includes("succeeded"), { what: "first run", timeoutMs: 10_000 });
    // The retry path republishes the same command under a new Nats-Msg-Id.
    const command: JobCommand = {
      jobId,
      tenantId: "acme",
      userId: "u1",
      type: "material.ingest",
      queue: "ingest",
      priority: "normal",
      payload: ingestPayload("rerun"),
      createdAt: new Date().toISOString(),
    };
    await h.messaging.publish(SUBJECTS.job("ingest", "normal", "acme"), command, { msgId: `${jobId}:retry:1` });
    await waitFor(() => kindsOf(jobId).filter((k) => k === "succeeded").length === 2, {
      what: "second run",
      timeoutMs: 10_000,
    });
    await worker.stop(1_000);
    const stored = await h.nats.jsm.streams.info(STREAMS.events, {
      subjects_filter: SUBJECTS.eventsOfJob("acme", jobId),
    });
    expect(stored.state.subjects?.[SUBJECTS.event("acme", jobId, "started")]).toBe(2);
  });

  it("hands a job interrupted by shutdown back to the queue without spending a retry on it", async () => {
    const jobId = await submit("material.ingest", "normal", ingestPayload("slow"));
    let started = 0;
    const worker = startWorker(async (ctx) => {
      started += 1;
      await new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
      return { document_id: "slow", chunk_count: 0 };
    });
    await worker.start();
    await waitFor(() => started === 1, { what: "the slow job to start" });
    await worker.stop(200);
    expect(kindsOf(jobId)).toEqual(["started"]);
    // Back in the queue at once: the next worker gets it as its second delivery.
    const attempts: number[] = [];
    const next = startWorker(async (ctx) => {
      attempts.push(ctx.attempt);
      return { document_id: "slow", chunk_count: 0 };
    });
    await next.start();
    await waitFor(() => kindsOf(jobId).includes("succeeded"), {
      what: "the handed-back job to finish",
      timeoutMs: 10_000,
    });
    await next.stop(1_000);
    expect(attempts).toEqual([2]);
    expect(kindsOf(jobId)).not.toContain("retrying");
  });

  it("moves on from a handler that ignores its time limit: each attempt times out as TIMEOUT, then the job fails into the DLQ", async () => {
    const attempts: number[] = [];
    const jobId = await submit("material.ingest", "normal", ingestPayload("stuck"));
    const worker = h.startWorker({
      timeouts: { "material.ingest": 300 },
      ingest: async (ctx) => {
        attempts.push(ctx.attempt);
        // Ignores ctx.signal on purpose, like a library call that cannot be aborted.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return { document_id: "stuck", chunk_count: 0 };
      },
    });
    await worker.start();
    // Five attempts with full-jitter backoff from 1 s: at most 1 + 2 + 4 + 8 s of waiting.
    await waitFor(() => kindsOf(jobId).includes("failed"), { what: "the job to fail", timeoutMs: 30_000 });
    await worker.stop(1_000);
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    const retrying = h.events.filter((e) => e.jobId === jobId && e.kind === "retrying");
    expect(retrying).toHaveLength(4);
    expect(retrying.map((e) => e.kind === "retrying" && e.data.error.code)).toEqual(Array(4).fill("TIMEOUT"));
    expect(h.eventOf(jobId, "failed")?.data.error).toEqual({ code: "TIMEOUT", message: "attempt exceeded 300 ms" });
    const dead = await h.nats.jsm.streams.getMessage(STREAMS.deadLetters, {
      last_by_subj: SUBJECTS.deadLetter("ingest"),
    });
    expect(dead?.json<JobCommand>().jobId).toBe(jobId);
    expect(dead?.header.get(HEADERS.errorCode)).toBe("TIMEOUT");
    expect(dead?.header.get(HEADERS.attempts)).toBe("5");
  });
});
