import { type JobCommand, type Priority, SUBJECTS } from "@ai-jobs/contracts";
import { type NatsServer, startNats, waitFor } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdGenerator } from "../ids.js";
import { createJobEventPublisher } from "../job-events.js";
import { createLogger } from "../logger.js";
import { createMessaging, type Messaging } from "../messaging.js";
import { connectNats, type NatsContext, provision } from "../nats.js";
import { startTelemetry } from "../telemetry.js";
import { defineJob } from "./job-definition.js";
import { createWorker } from "./worker.js";

const log = createLogger({ service: "priority-test", instanceId: "t", level: "silent" });
const newId = createIdGenerator();
let server: NatsServer;
let nats: NatsContext;
let messaging: Messaging;

function command(priority: Priority, tag: string): JobCommand {
  return {
    jobId: newId(),
    tenantId: "acme",
    userId: "u1",
    type: "material.ingest",
    queue: "ingest",
    priority,
    payload: { planId: "P", documentId: tag, fileId: "F", filename: "a.md", contentType: "text/markdown" },
    createdAt: new Date().toISOString(),
  };
}

/** Publishes many commands quickly: plain JetStream publishes in parallel batches (no tracing needed here). */
async function flood(priority: Priority, count: number, tag: string): Promise<void> {
  const batch = 500;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, (_, k) => {
        const c = command(priority, `${tag}${i + k}`);
        return nats.js.publish(SUBJECTS.job("ingest", priority, "acme"), JSON.stringify(c), { msgID: c.jobId });
      }),
    );
  }
}

function worker(order: string[], concurrency: number, runMs = 0) {
  return createWorker({
    nats,
    messaging,
    events: createJobEventPublisher(messaging),
    jobs: [
      defineJob({
        type: "material.ingest",
        handler: async (ctx) => {
          order.push(ctx.payload.documentId);
          if (runMs > 0) await new Promise((resolve) => setTimeout(resolve, runMs));
          return { document_id: ctx.payload.documentId, chunk_count: 0 };
        },
      }),
    ],
    concurrency,
    log,
    serviceName: "priority-test",
    instanceId: "w",
    pullExpiresMs: 1_000,
  });
}

beforeAll(async () => {
  server = await startNats();
  nats = await connectNats(server.url, "priority-test", log);
  await provision(nats, { jobsMaxMsgs: 100_000, jobsMaxBytes: 512 * 1024 * 1024 });
  messaging = createMessaging(
    nats.publisher,
    startTelemetry({ serviceName: "t", serviceVersion: "0", instanceId: "t" }).tracer,
  );
}, 60_000);

afterAll(async () => {
  await nats?.nc.drain();
  await server?.cleanup();
});

describe("priorities", () => {
  it("starts a critical job submitted behind 10,000 queued low jobs before that backlog", async () => {
    await flood("low", 10_000, "low");
    await messaging.publish(SUBJECTS.job("ingest", "critical", "acme"), command("critical", "critical"), {
      msgId: newId(),
    });
    const order: string[] = [];
    const w = worker(order, 4);
    await w.start();
    await waitFor(() => order.includes("critical"), { what: "the critical job to run", timeoutMs: 20_000 });
    await w.stop(1_000);
    // Before the critical job, only what the worker already had in hand: one message per slot at most.
    expect(order.indexOf("critical")).toBeLessThanOrEqual(4);
    await nats.jsm.streams.purge("JOBS");
  }, 120_000);

  it("starts a critical job submitted while the worker drains a deep low backlog within a few jobs", async () => {
    await flood("low", 5_000, "low");
    const order: string[] = [];
    const w = worker(order, 4);
    await w.start();
    await waitFor(() => order.length >= 200, { what: "the worker to be draining the backlog", timeoutMs: 30_000 });
    const startedBefore = order.length;
    await messaging.publish(SUBJECTS.job("ingest", "critical", "acme"), command("critical", "critical"), {
      msgId: newId(),
    });
    await waitFor(() => order.includes("critical"), { what: "the critical job to run", timeoutMs: 20_000 });
    await w.stop(1_000);
    // Its priority's long-poll was waiting: only the jobs already in hand or in flight ran before it, never the
    // thousands still queued.
    expect(order.indexOf("critical") - startedBefore).toBeLessThan(50);
    await nats.jsm.streams.purge("JOBS");
  }, 120_000);

  it("with every priority backlogged, runs mostly critical jobs and still each lower priority", async () => {
    for (const p of ["low", "normal", "high", "critical"] as const) await flood(p, 600, p);
    const order: string[] = [];
    const w = worker(order, 16, 5);
    await w.start();
    await waitFor(() => order.length >= 400, { what: "400 jobs to run", timeoutMs: 60_000 });
    await w.stop(1_000);
    const share = (p: Priority) => order.slice(0, 400).filter((tag) => tag.startsWith(p)).length;
    // The picker alone gives 268 critical and 44 of each other priority in 400 picks; a lower priority's one
    // message in hand is refetched after each pick, so it may miss a few turns.
    expect(share("critical")).toBeGreaterThan(200);
    for (const p of ["high", "normal", "low"] as const) expect(share(p)).toBeGreaterThanOrEqual(20);
    await nats.jsm.streams.purge("JOBS");
  }, 120_000);

  it("keeps low jobs moving under a continuous flow of high jobs", async () => {
    const order: string[] = [];
    const w = worker(order, 1);
    await flood("low", 20, "low");
    await flood("high", 400, "high");
    await w.start();
    // Keep the high queue full while the worker runs.
    let feeding = true;
    const feeder = (async () => {
      let n = 0;
      while (feeding) {
        await flood("high", 50, `more${n++}-`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor(() => order.length >= 200, { what: "200 jobs to run", timeoutMs: 60_000 });
    feeding = false;
    await feeder;
    await w.stop(1_000);
    const first200 = order.slice(0, 200);
    const lows = first200.filter((t) => t.startsWith("low")).length;
    const highs = first200.length - lows;
    // Aging gives a passed-over low job a slot after 8 higher picks: at least 1 in 9, though high work never ran out.
    expect(highs).toBeGreaterThan(lows);
    expect(lows).toBeGreaterThanOrEqual(Math.floor(200 / 9) - 2);
    await nats.jsm.streams.purge("JOBS");
  }, 120_000);
});
