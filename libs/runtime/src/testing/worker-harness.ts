/**
 * Test support for worker suites (not built into dist): a real nats-server provisioned like production, a
 * collector of every job event, and helpers to submit commands and start workers on the `ingest` queue.
 */
import {
  type EventKind,
  type JobCommand,
  type JobEvent,
  type JobEventOf,
  type JobType,
  type Priority,
  SUBJECTS,
} from "@ai-jobs/contracts";
import { type NatsServer, startNats } from "@ai-jobs/testkit";
import { createIdGenerator } from "../ids.js";
import { createJobEventPublisher } from "../job-events.js";
import { createLogger } from "../logger.js";
import { createMessaging, type Messaging } from "../messaging.js";
import { connectNats, type NatsContext, provision } from "../nats.js";
import { startTelemetry } from "../telemetry.js";
import { defineJob } from "../worker/job-definition.js";
import type { FailureHook, JobHandler } from "../worker/types.js";
import { createWorker, type Worker, type WorkerOptions } from "../worker/worker.js";

export const log = createLogger({ service: "worker-test", instanceId: "t", level: "silent" });

export const ingestPayload = (tag: string) => ({
  planId: "P1",
  documentId: tag,
  fileId: "F1",
  filename: "a.md",
  contentType: "text/markdown",
});

export interface WorkerHarness {
  server: NatsServer;
  nats: NatsContext;
  messaging: Messaging;
  /** Every event published so far, in arrival order. */
  events: JobEvent[];
  submit(type: JobType, priority: Priority, payload: Record<string, unknown>): Promise<string>;
  /**
   * A worker of `material.ingest` (the `ingest` queue) running `ingest`, with `onFailure` as its failure hook; `opts`
   * override the test defaults (concurrency 1, 1 s long-polls).
   */
  startWorker(opts: IngestWorkerOptions): Worker;
  kindsOf(jobId: string): EventKind[];
  eventOf<K extends EventKind>(jobId: string, kind: K): JobEventOf<K> | undefined;
  close(): Promise<void>;
}

export type IngestWorkerOptions = Partial<Omit<WorkerOptions, "jobs">> & {
  ingest: JobHandler<"material.ingest">;
  onFailure?: FailureHook<"material.ingest">;
};

export async function startWorkerHarness(opts: { ackWaitMs?: number } = {}): Promise<WorkerHarness> {
  const newId = createIdGenerator();
  const server = await startNats();
  const nats = await connectNats(server.url, "worker-test", log);
  await provision(nats, {
    jobsMaxMsgs: 100_000,
    jobsMaxBytes: 256 * 1024 * 1024,
    ...(opts.ackWaitMs === undefined ? {} : { ackWaitMs: opts.ackWaitMs }),
  });
  const messaging = createMessaging(
    nats.publisher,
    startTelemetry({ serviceName: "t", serviceVersion: "0", instanceId: "t" }).tracer,
  );
  const events: JobEvent[] = [];
  nats.nc.subscribe(SUBJECTS.eventsAll, {
    callback: (_err, msg) => {
      events.push(msg.json<JobEvent>());
    },
  });
  // A restart of the server drops nothing here: the core subscription is renewed on reconnect.
  await nats.nc.flush();

  return {
    server,
    nats,
    messaging,
    events,
    async submit(type, priority, payload) {
      const jobId = newId();
      const command: JobCommand = {
        jobId,
        tenantId: "acme",
        userId: "u1",
        type,
        queue: type === "material.ingest" ? "ingest" : "ai_generation",
        priority,
        payload,
        createdAt: new Date().toISOString(),
      };
      await messaging.publish(SUBJECTS.job(command.queue, priority, "acme"), command, { msgId: jobId });
      return jobId;
    },
    startWorker({ ingest, onFailure, ...overrides }) {
      return createWorker({
        nats,
        messaging,
        events: createJobEventPublisher(messaging),
        jobs: [defineJob({ type: "material.ingest", handler: ingest, ...(onFailure ? { onFailure } : {}) })],
        concurrency: 1,
        log,
        serviceName: "worker-test",
        instanceId: "w1",
        pullExpiresMs: 1_000,
        ...(opts.ackWaitMs === undefined ? {} : { ackWaitMs: opts.ackWaitMs }),
        ...overrides,
      });
    },
    kindsOf: (jobId) => events.filter((e) => e.jobId === jobId).map((e) => e.kind),
    eventOf: <K extends EventKind>(jobId: string, kind: K) =>
      events.find((e): e is JobEventOf<K> => e.jobId === jobId && e.kind === kind),
    async close() {
      await nats.nc.drain().catch(() => undefined);
      await server.cleanup();
    },
  };
}
