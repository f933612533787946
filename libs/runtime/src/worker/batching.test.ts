import { CONSUMERS, STREAMS } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { describe, expect, it } from "vitest";
import { ingestPayload, startWorkerHarness } from "../testing/worker-harness.js";
import type { JobHandler } from "./types.js";

const h = useHarness(() => startWorkerHarness());

/** Submits `count` normal jobs, a few hundred publishes at a time. */
async function backlog(count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, (_, k) =>
      h.submit("material.ingest", "normal", ingestPayload(`${tag}${i + k}`)),
    );
    ids.push(...(await Promise.all(batch)));
  }
  return ids;
}

const succeeded = (ids: string[]) => ids.every((id) => h.kindsOf(id).includes("succeeded"));

function sleeping(
  ms: number,
  starts: Array<{ worker: string; at: number }>,
  worker: string,
): JobHandler<"material.ingest"> {
  return async (ctx) => {
    starts.push({ worker, at: performance.now() });
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { document_id: ctx.payload.documentId, chunk_count: 0 };
  };
}

describe("batched pulls", () => {
  it("pull a backlog in a few requests, not one per message", async () => {
    const jobs = await backlog(2_000, "bulk");
    // Every pull request of the normal consumer, as the server receives it.
    let pulls = 0;
    const requests = h.nats.nc.subscribe(
      `$JS.API.CONSUMER.MSG.NEXT.${STREAMS.jobs}.${CONSUMERS.worker("ingest", "normal")}`,
      {
        callback: () => {
          pulls += 1;
        },
      },
    );
    await h.nats.nc.flush();
    const worker = h.startWorker({
      concurrency: 16,
      ingest: async (ctx) => ({ document_id: ctx.payload.documentId, chunk_count: 0 }),
    });
    await worker.start();
    await waitFor(() => succeeded(jobs), { what: "the backlog to drain", timeoutMs: 60_000 });
    await worker.stop(1_000);
    requests.unsubscribe();
    // A batch is at least a quarter of the concurrency (4 here) while the backlog lasts.
    expect(pulls).toBeLessThanOrEqual(jobs.length / 4 + 10);
    expect((await h.nats.jsm.streams.info(STREAMS.jobs)).state.messages).toBe(0);
  });

  it("hold little more than the worker runs while it drains a backlog", async () => {
    const jobs = await backlog(12, "bounded");
    const starts: Array<{ worker: string; at: number }> = [];
    const worker = h.startWorker({ concurrency: 2, ingest: sleeping(150, starts, "w1") });
    await worker.start();
    let maxDelivered = 0;
    while (!succeeded(jobs)) {
      const info = await h.nats.jsm.consumers.info(STREAMS.jobs, CONSUMERS.worker("ingest", "normal"));
      maxDelivered = Math.max(maxDelivered, info.num_ack_pending);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await worker.stop(1_000);
    // Two running, and at most one more in hand for the next free slot.
    expect(maxDelivered).toBeGreaterThanOrEqual(2);
    expect(maxDelivered).toBeLessThanOrEqual(3);
  });

  it("leave a small backlog to an idle replica: two workers of two slots run four jobs at once", async () => {
    const starts: Array<{ worker: string; at: number }> = [];
    const first = h.startWorker({ concurrency: 2, ingest: sleeping(1_000, starts, "w1"), instanceId: "w1" });
    await first.start();
    // The first worker sees the whole backlog before the second one exists.
    const jobs = await backlog(4, "shared");
    await waitFor(() => starts.length >= 2, { what: "the first worker to start two jobs" });
    const second = h.startWorker({ concurrency: 2, ingest: sleeping(1_000, starts, "w2"), instanceId: "w2" });
    await second.start();
    await waitFor(() => succeeded(jobs), { what: "the four jobs", timeoutMs: 15_000 });
    await Promise.all([first.stop(1_000), second.stop(1_000)]);
    expect(starts.filter((s) => s.worker === "w1")).toHaveLength(2);
    expect(starts.filter((s) => s.worker === "w2")).toHaveLength(2);
    // The second worker's jobs started while the first worker's were still running.
    const firstStart = Math.min(...starts.map((s) => s.at));
    expect(Math.max(...starts.map((s) => s.at)) - firstStart).toBeLessThan(1_000);
  });

  // Last in this file: it restarts the suite's server.
  it("keep pulling across a NATS server restart", async () => {
    const before = await backlog(20, "before");
    const worker = h.startWorker({
      concurrency: 4,
      ingest: async (ctx) => ({ document_id: ctx.payload.documentId, chunk_count: 0 }),
    });
    await worker.start();
    await waitFor(() => succeeded(before), { what: "the jobs before the restart" });
    await h.server.restart();
    await waitFor(() => h.nats.connected(), { what: "the client to reconnect", timeoutMs: 15_000 });
    const after = await waitFor(
      async () => {
        try {
          return await backlog(20, "after");
        } catch {
          return undefined;
        }
      },
      { what: "submits after the restart", timeoutMs: 15_000 },
    );
    await waitFor(() => succeeded(after), { what: "the jobs after the restart", timeoutMs: 30_000 });
    await worker.stop(1_000);
  });
});
