import type { EventKind } from "@ai-jobs/contracts";
import { CONSUMERS, STREAMS } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { describe, expect, it } from "vitest";
import { createJobEventPublisher, type JobEventPublisher } from "../job-events.js";
import { ingestPayload, startWorkerHarness } from "../testing/worker-harness.js";

// Short, so that a message left unsettled comes back within the test.
const ACK_WAIT_MS = 1_500;
const h = useHarness(() => startWorkerHarness({ ackWaitMs: ACK_WAIT_MS }));

/** A gate the test opens by hand. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * The real publisher, except that the PubAck of the events of `kind` is handed back only once `held` resolves (the
 * event itself goes out at once), or, with `fail`, those events of attempt 1 are never sent and their publish fails.
 */
function publisherHolding(kind: EventKind, held: Promise<void>, fail = false): JobEventPublisher {
  const real = createJobEventPublisher(h.messaging);
  return {
    async publish(event, identity) {
      if (event.kind !== kind) return real.publish(event, identity);
      if (fail && event.attempt === 1) throw new Error("publish failed");
      const ack = real.publish(event, identity);
      await held;
      return ack;
    },
  };
}

const ackPending = async () =>
  (await h.nats.jsm.consumers.info(STREAMS.jobs, CONSUMERS.worker("ingest", "normal"))).num_ack_pending;
const queued = async () => (await h.nats.jsm.streams.info(STREAMS.jobs)).state.messages;

describe("the events of an attempt", () => {
  it("run the handler without waiting for `started` to be stored, and settle only once every event is", async () => {
    const startedStored = gate();
    const jobId = await h.submit("material.ingest", "normal", ingestPayload("pipelined"));
    let ran = false;
    const worker = h.startWorker({
      events: publisherHolding("started", startedStored.opened),
      ingest: async (ctx) => {
        ran = true;
        return { document_id: ctx.payload.documentId, chunk_count: 0 };
      },
    });
    await worker.start();
    await waitFor(() => h.kindsOf(jobId).includes("succeeded"), { what: "the succeeded event" });
    expect(ran).toBe(true);
    // The outcome is out, but `started` is not known to be stored yet: the command is still held, not acked.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await ackPending()).toBe(1);
    startedStored.open();
    await waitFor(async () => (await queued()) === 0, { what: "the command to be acked" });
    await worker.stop(1_000);
    expect(h.kindsOf(jobId)).toEqual(["started", "succeeded"]);
  });

  it("do not make the handler wait for a progress event it does not await, which still precedes the outcome", async () => {
    const progressStored = gate();
    const jobId = await h.submit("material.ingest", "normal", ingestPayload("progress"));
    const worker = h.startWorker({
      events: publisherHolding("progress", progressStored.opened),
      ingest: async (ctx) => {
        void ctx.progress({ pct: 10, message: "one" });
        void ctx.progress({ pct: 20, message: "two" });
        return { document_id: ctx.payload.documentId, chunk_count: 0 };
      },
    });
    await worker.start();
    await waitFor(() => h.kindsOf(jobId).includes("succeeded"), { what: "the succeeded event" });
    expect(await ackPending()).toBe(1);
    progressStored.open();
    await waitFor(async () => (await queued()) === 0, { what: "the command to be acked" });
    await worker.stop(1_000);
    expect(h.kindsOf(jobId)).toEqual(["started", "progress", "progress", "succeeded"]);
  });

  it("go out together from many jobs, each still in its own job's trace", async () => {
    const traceOf = (traceparent: string | undefined) => traceparent?.split("-")[1];
    const commandTrace = new Map<string, string | undefined>();
    const eventTraces: Array<{ jobId: string; trace: string | undefined }> = [];
    const commands = h.nats.nc.subscribe("jobs.ingest.>", {
      callback: (_err, msg) => {
        commandTrace.set(msg.json<{ jobId: string }>().jobId, traceOf(msg.headers?.get("traceparent")));
      },
    });
    const events = h.nats.nc.subscribe("events.>", {
      callback: (_err, msg) => {
        eventTraces.push({ jobId: msg.subject.split(".")[2] ?? "", trace: traceOf(msg.headers?.get("traceparent")) });
      },
    });
    await h.nats.nc.flush();
    const jobs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h.submit("material.ingest", "normal", ingestPayload(`traced${i}`))),
    );
    const worker = h.startWorker({
      concurrency: 8,
      ingest: async (ctx) => ({ document_id: ctx.payload.documentId, chunk_count: 0 }),
    });
    await worker.start();
    await waitFor(() => jobs.every((j) => h.kindsOf(j).includes("succeeded")), { what: "the eight jobs" });
    await worker.stop(1_000);
    commands.unsubscribe();
    events.unsubscribe();
    expect(new Set(jobs.map((j) => commandTrace.get(j))).size).toBe(8);
    for (const jobId of jobs) {
      const traces = eventTraces.filter((e) => e.jobId === jobId).map((e) => e.trace);
      expect(traces).toEqual([commandTrace.get(jobId), commandTrace.get(jobId)]);
    }
  });

  it("leave the command unsettled when an earlier event could not be stored, so JetStream delivers it again", async () => {
    const jobId = await h.submit("material.ingest", "normal", ingestPayload("lost-started"));
    const attempts: number[] = [];
    const worker = h.startWorker({
      events: publisherHolding("started", Promise.resolve(), true),
      ingest: async (ctx) => {
        attempts.push(ctx.attempt);
        return { document_id: ctx.payload.documentId, chunk_count: 0 };
      },
    });
    await worker.start();
    // Attempt 1's outcome was published but not acked (its `started` failed); ack_wait later, attempt 2 runs.
    await waitFor(() => attempts.length === 2, { what: "the redelivery", timeoutMs: 10 * ACK_WAIT_MS });
    await waitFor(async () => (await queued()) === 0, { what: "attempt 2 to be acked" });
    await worker.stop(1_000);
    expect(attempts).toEqual([1, 2]);
    expect(h.kindsOf(jobId)).toEqual(["succeeded", "started", "succeeded"]);
  });
});
