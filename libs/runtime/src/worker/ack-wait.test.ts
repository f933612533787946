import { CONSUMERS, STREAMS } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { nanos } from "@nats-io/nats-core";
import { describe, expect, it } from "vitest";
import { ingestPayload, startWorkerHarness } from "../testing/worker-harness.js";
import type { JobHandler } from "./types.js";

// Consumers keep the ack_wait they were created with, so this suite needs a server of its own.
const ACK_WAIT_MS = 1_500;
const h = useHarness(() => startWorkerHarness({ ackWaitMs: ACK_WAIT_MS }));

function slow(runMs: number, calls: Array<{ doc: string; attempt: number }>): JobHandler<"material.ingest"> {
  return async (ctx) => {
    calls.push({ doc: ctx.payload.documentId, attempt: ctx.attempt });
    await new Promise((resolve) => setTimeout(resolve, runMs));
    return { document_id: ctx.payload.documentId, chunk_count: 0 };
  };
}

describe("heartbeats at a configured ack_wait", () => {
  it("provisions the worker consumers with it", async () => {
    const info = await h.nats.jsm.consumers.info(STREAMS.jobs, CONSUMERS.worker("ingest", "normal"));
    expect(info.config.ack_wait).toBe(nanos(ACK_WAIT_MS));
  });

  it("never redelivers a job that runs for more than three times ack_wait", async () => {
    const calls: Array<{ doc: string; attempt: number }> = [];
    const jobId = await h.submit("material.ingest", "normal", ingestPayload("long"));
    // Two slots: a redelivery would run beside the first attempt at once.
    const worker = h.startWorker({ ingest: slow(5_000, calls), concurrency: 2 });
    await worker.start();
    await waitFor(() => h.kindsOf(jobId).includes("succeeded"), { what: "the long job", timeoutMs: 15_000 });
    await worker.stop(1_000);
    expect(calls).toEqual([{ doc: "long", attempt: 1 }]);
    expect(h.kindsOf(jobId)).toEqual(["started", "succeeded"]);
  });

  it("keeps the job of a live worker whose event loop stalls for most of ack_wait", async () => {
    const calls: Array<{ doc: string; attempt: number }> = [];
    const jobId = await h.submit("material.ingest", "normal", ingestPayload("stalled"));
    const worker = h.startWorker({
      concurrency: 2,
      ingest: async (ctx) => {
        calls.push({ doc: ctx.payload.documentId, attempt: ctx.attempt });
        // Blocks the event loop (no timer, no heartbeat runs) for 60 % of ack_wait, three times in a row.
        for (let i = 0; i < 3; i++) {
          const until = performance.now() + 0.6 * ACK_WAIT_MS;
          while (performance.now() < until) {}
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return { document_id: ctx.payload.documentId, chunk_count: 0 };
      },
    });
    await worker.start();
    await waitFor(() => h.kindsOf(jobId).includes("succeeded"), { what: "the stalled job", timeoutMs: 15_000 });
    // Longer than ack_wait: a redelivery would have come by now.
    await new Promise((resolve) => setTimeout(resolve, ACK_WAIT_MS + 500));
    await worker.stop(1_000);
    expect(calls).toEqual([{ doc: "stalled", attempt: 1 }]);
    expect(h.kindsOf(jobId)).toEqual(["started", "succeeded"]);
  });

  it("keeps a message alive while it is held behind a running job longer than ack_wait", async () => {
    const calls: Array<{ doc: string; attempt: number }> = [];
    const worker = h.startWorker({ ingest: slow(2 * ACK_WAIT_MS, calls) });
    await worker.start();
    // Submitted while every priority is being polled: both are delivered, one runs and the other is held.
    const jobs = await Promise.all([
      h.submit("material.ingest", "critical", ingestPayload("a")),
      h.submit("material.ingest", "normal", ingestPayload("b")),
    ]);
    await waitFor(() => jobs.every((j) => h.kindsOf(j).includes("succeeded")), {
      what: "both jobs",
      timeoutMs: 20_000,
    });
    await worker.stop(1_000);
    expect(calls.sort((x, y) => x.doc.localeCompare(y.doc))).toEqual([
      { doc: "a", attempt: 1 },
      { doc: "b", attempt: 1 },
    ]);
    for (const j of jobs) expect(h.kindsOf(j)).toEqual(["started", "succeeded"]);
  });
});
