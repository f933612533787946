import { CONSUMERS, STREAMS } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { type Cancellation, createCancellation } from "../cancellation.js";
import { CancelledError } from "../errors.js";
import { ingestPayload, startWorkerHarness } from "../testing/worker-harness.js";
import type { JobHandler } from "./types.js";

const who = { tenantId: "acme", requestedBy: "u1" };
const h = useHarness(() => startWorkerHarness());
let cancellation: Cancellation;

beforeAll(async () => {
  cancellation = createCancellation(h.nats.js);
});

/** A handler that records its calls and never finishes on its own. */
function neverEnding(calls: string[]): JobHandler<"material.ingest"> {
  return async (ctx) => {
    calls.push(ctx.payload.documentId);
    await new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
    throw new Error("unreachable");
  };
}

/** Nothing of the job is left to run: JetStream holds no message, so nothing can be redelivered or retried. */
async function expectQueueEmpty(): Promise<void> {
  expect((await h.nats.jsm.streams.info(STREAMS.jobs)).state.messages).toBe(0);
}

/** Messages delivered to a worker and not yet settled, over the two priorities the tests use. */
async function deliveredToWorker(): Promise<number> {
  const pending = await Promise.all(
    (["critical", "normal"] as const).map(
      async (p) => (await h.nats.jsm.consumers.info(STREAMS.jobs, CONSUMERS.worker("ingest", p))).num_ack_pending,
    ),
  );
  return pending.reduce((a, b) => a + b, 0);
}

const deadLetterCount = async () => (await h.nats.jsm.streams.info(STREAMS.deadLetters)).state.messages;

describe("cancellation in the worker", () => {
  it("aborts a running job within 1 s of the request, ends it as cancelled, and neither retries nor dead-letters it", async () => {
    const jobId = await h.submit("material.ingest", "normal", ingestPayload("running"));
    let requestedAt = 0;
    let abortedAfterMs = -1;
    let reason: unknown;
    const calls: string[] = [];
    const worker = h.startWorker({
      ingest: async (ctx) => {
        calls.push(ctx.payload.documentId);
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => {
            abortedAfterMs = performance.now() - requestedAt;
            reason = ctx.signal.reason;
            resolve();
          }),
        );
        throw ctx.signal.reason;
      },
    });
    await worker.start();
    await waitFor(() => h.kindsOf(jobId).includes("started"), { what: "the job to start" });
    requestedAt = performance.now();
    await cancellation.request(jobId, who);
    await waitFor(() => h.kindsOf(jobId).includes("cancelled"), { what: "the cancelled event" });
    expect(abortedAfterMs).toBeGreaterThanOrEqual(0);
    expect(abortedAfterMs).toBeLessThan(1_000);
    expect(reason).toBeInstanceOf(CancelledError);
    expect(h.eventOf(jobId, "cancelled")?.data.reason).toBe("cancelled while running");
    // Longer than the first retry's backoff (at most 1 s) would take.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await worker.stop(1_000);
    expect(calls).toEqual(["running"]);
    expect(h.kindsOf(jobId)).toEqual(["started", "cancelled"]);
    await expectQueueEmpty();
    expect(await deadLetterCount()).toBe(0);
  });

  it("never starts a job cancelled while it was queued", async () => {
    const jobId = await h.submit("material.ingest", "normal", ingestPayload("queued"));
    await cancellation.request(jobId, who);
    const calls: string[] = [];
    const worker = h.startWorker({ ingest: neverEnding(calls) });
    await worker.start();
    await waitFor(() => h.kindsOf(jobId).includes("cancelled"), { what: "the cancelled event" });
    await worker.stop(1_000);
    expect(calls).toEqual([]);
    expect(h.kindsOf(jobId)).toEqual(["cancelled"]);
    expect(h.eventOf(jobId, "cancelled")?.data.reason).toBe("cancelled before start");
    await expectQueueEmpty();
    expect(await deadLetterCount()).toBe(0);
  });

  it("never starts a job cancelled while the worker held it behind a running one", async () => {
    const calls: string[] = [];
    const worker = h.startWorker({ ingest: neverEnding(calls) });
    await worker.start();
    // Submitted while every priority is being polled: both are delivered, one runs and the other is held.
    const [first, second] = await Promise.all([
      h.submit("material.ingest", "critical", ingestPayload("first")),
      h.submit("material.ingest", "normal", ingestPayload("second")),
    ]);
    const jobs = { first, second };
    await waitFor(async () => (await deliveredToWorker()) === 2 && calls.length === 1, {
      what: "one job running and one held",
    });
    const ran = calls[0] === "first" ? "first" : "second";
    const held = ran === "first" ? "second" : "first";
    await cancellation.request(jobs[held], who);
    await cancellation.request(jobs[ran], who);
    await waitFor(() => h.kindsOf(jobs[held]).includes("cancelled"), { what: "the held job's cancelled event" });
    await worker.stop(1_000);
    expect(calls).toEqual([ran]);
    expect(h.kindsOf(jobs[ran])).toEqual(["started", "cancelled"]);
    expect(h.kindsOf(jobs[held])).toEqual(["cancelled"]);
    await expectQueueEmpty();
  });

  // Last in this file: it restarts the suite's server.
  it("keeps a cancellation across a NATS server restart: a fresh worker does not run the job", async () => {
    const jobId = await h.submit("material.ingest", "normal", ingestPayload("restart"));
    await cancellation.request(jobId, who);
    await h.server.restart();
    await waitFor(() => h.nats.connected(), { what: "the client to reconnect", timeoutMs: 15_000 });
    const calls: string[] = [];
    const worker = h.startWorker({ ingest: neverEnding(calls), instanceId: "w2" });
    await worker.start();
    await waitFor(() => h.kindsOf(jobId).includes("cancelled"), { what: "the cancelled event", timeoutMs: 15_000 });
    await worker.stop(1_000);
    expect(calls).toEqual([]);
    expect(h.kindsOf(jobId)).toEqual(["cancelled"]);
    await expectQueueEmpty();
  });

  it("runs the failure hook with CANCELLED, so the domain record of a cancelled job stops saying pending or running", async () => {
    const hooked: string[] = [];
    const before = await h.submit("material.ingest", "normal", ingestPayload("hook-before"));
    await cancellation.request(before, who);
    const running = await h.submit("material.ingest", "normal", ingestPayload("hook-running"));
    const calls: string[] = [];
    const worker = h.startWorker({
      ingest: neverEnding(calls),
      onFailure: async (command, error) => {
        hooked.push(`${command.jobId}:${error.code}`);
      },
    });
    await worker.start();
    await waitFor(() => calls.includes("hook-running"), { what: "the second job to start" });
    await cancellation.request(running, who);
    await waitFor(() => h.kindsOf(running).includes("cancelled"), { what: "the running job to be cancelled" });
    await worker.stop(1_000);
    expect(hooked).toEqual([`${before}:CANCELLED`, `${running}:CANCELLED`]);
  });
});
