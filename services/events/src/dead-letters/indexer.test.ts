import { CONSUMERS, ERROR_CODES, type JobCommand, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { publishDeadLetter } from "@ai-jobs/runtime";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeadLetterRepository } from "../data/dead-letters.js";
import type { DurableConsumer } from "../durable-consumer.js";
import { startHarness } from "../testing/harness.js";
import { createDeadLetterIndexer } from "./indexer.js";

const h = useHarness(() => startHarness());
let indexer: DurableConsumer | undefined;
const log = pino({ level: "silent" });

const startIndexer = async () => {
  indexer = createDeadLetterIndexer({
    nats: h.ctx.nats,
    messaging: h.ctx.messaging,
    deadLetters: createDeadLetterRepository(h.ctx.mongo.collections),
    log,
  });
  await indexer.start();
};

beforeAll(async () => {
  await startIndexer();
});

afterAll(async () => {
  await indexer?.stop();
});

async function indexerIdle(): Promise<void> {
  await waitFor(
    async () => {
      const info = await h.ctx.nats.jsm.consumers.info(STREAMS.deadLetters, CONSUMERS.deadLetterIndexer);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { what: "the indexer to ack everything" },
  );
}

const record = (seq: number) => h.ctx.mongo.collections.deadLetters.findOne({ _id: seq });

describe("dead-letter indexer", () => {
  it("indexes a dead letter: tenant, job and type from the command, the error from its headers, never twice", async () => {
    const command: JobCommand = {
      jobId: h.newId(),
      tenantId: "dl1",
      userId: "u1",
      type: "material.ingest",
      queue: "ingest",
      priority: "high",
      payload: {},
      createdAt: new Date().toISOString(),
    };
    const before = Date.now();
    const { seq } = await publishDeadLetter(h.ctx.messaging, {
      queue: "ingest",
      data: new TextEncoder().encode(JSON.stringify(command)),
      jobId: command.jobId,
      originalSubject: SUBJECTS.job("ingest", "high", "dl1"),
      error: { code: ERROR_CODES.invalidPayload, message: "invalid payload: documentId: Required" },
      attempts: 2,
      streamSeq: 77,
    });
    const indexed = await waitFor(async () => (await record(seq)) ?? undefined, { what: "the index record" });
    expect(indexed).toEqual({
      _id: seq,
      tenantId: "dl1",
      jobId: command.jobId,
      queue: "ingest",
      type: "material.ingest",
      error: { code: ERROR_CODES.invalidPayload, message: "invalid payload: documentId: Required" },
      attempts: 2,
      originalSubject: "jobs.ingest.high.dl1",
      at: expect.any(Date),
      replayedAt: null,
    });
    expect(indexed.at.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(indexed.at.getTime()).toBeLessThanOrEqual(Date.now());

    // The gateway replays it; then the whole stream is indexed again: the record stays one, with its replay mark.
    const replayedAt = new Date();
    await h.ctx.mongo.collections.deadLetters.updateOne({ _id: seq }, { $set: { replayedAt } });
    await indexerIdle();
    await indexer?.stop();
    await h.ctx.nats.jsm.consumers.delete(STREAMS.deadLetters, CONSUMERS.deadLetterIndexer);
    await startIndexer();
    await indexerIdle();
    expect(await h.ctx.mongo.collections.deadLetters.countDocuments({ jobId: command.jobId })).toBe(1);
    expect(await record(seq)).toEqual({ ...indexed, replayedAt });
  });

  it("a dead letter whose bytes are not a command is indexed with no tenant, job or type", async () => {
    const { seq } = await publishDeadLetter(h.ctx.messaging, {
      queue: "ai_generation",
      data: new TextEncoder().encode("{not json"),
      jobId: "unknown",
      originalSubject: "jobs.ai_generation.normal.dl2",
      error: { code: ERROR_CODES.invalidPayload, message: "malformed command envelope" },
      attempts: 1,
      streamSeq: 78,
    });
    const indexed = await waitFor(async () => (await record(seq)) ?? undefined, { what: "the index record" });
    expect(indexed).toMatchObject({
      tenantId: null,
      jobId: null,
      type: null,
      queue: "ai_generation",
      error: { code: ERROR_CODES.invalidPayload, message: "malformed command envelope" },
      attempts: 1,
      originalSubject: "jobs.ai_generation.normal.dl2",
      replayedAt: null,
    });
  });
});
