import {
  BUCKETS,
  type DocumentRecord,
  HEADERS,
  type JobCommand,
  JobEvent,
  STREAMS,
  type StudyPlan,
  SUBJECTS,
} from "@ai-jobs/contracts";
import {
  bootService,
  closeService,
  createIdGenerator,
  loadConfig,
  type ServiceContext,
  type Worker,
} from "@ai-jobs/runtime";
import { type MongoServer, type NatsServer, startMongo, startNats, waitFor } from "@ai-jobs/testkit";
import { Objm } from "@nats-io/obj";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configShape } from "./config.js";
import { createIngestorWorker } from "./ingestor.js";

const TENANT = "tenant_ingestor";
const DIM = 64;
const newId = createIdGenerator();

const MARKDOWN = `# Fotossíntese

A fotossíntese é o processo pelo qual plantas, algas e algumas bactérias convertem energia luminosa em energia química.
Ela acontece principalmente nas folhas, dentro dos cloroplastos.

## Fase clara

Na fase clara, a clorofila absorve luz. A água é quebrada e o oxigênio é liberado. Forma-se ATP e NADPH, que
alimentam a etapa seguinte. Esta fase depende diretamente da luz e ocorre nas membranas dos tilacoides.

## Ciclo de Calvin

No ciclo de Calvin, o carbono do CO2 é fixado em moléculas orgânicas. A enzima RuBisCO catalisa a primeira etapa.
O ATP e o NADPH produzidos na fase clara fornecem a energia e o poder redutor necessários.

## Fatores limitantes

Intensidade luminosa, concentração de CO2 e temperatura limitam a taxa de fotossíntese.
`;

let nats: NatsServer | undefined;
let mongo: MongoServer | undefined;
let service: ServiceContext | undefined;
let worker: Worker | undefined;

const ctx = (): ServiceContext => {
  if (!service) throw new Error("service not booted");
  return service;
};

beforeAll(async () => {
  [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const config = loadConfig(configShape, {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    LOG_LEVEL: "silent",
    SERVICE_INSTANCE_ID: "ingestor-test",
    EMBEDDING_DIM: String(DIM),
    CHUNK_SIZE_CHARS: "300",
    CHUNK_OVERLAP_CHARS: "60",
  });
  service = await bootService("ingestor", "test", config);
  worker = createIngestorWorker(service, {
    concurrency: 2,
    instanceId: "ingestor-test",
    embeddingDim: config.EMBEDDING_DIM,
    chunking: { size: config.CHUNK_SIZE_CHARS, overlap: config.CHUNK_OVERLAP_CHARS },
    pullExpiresMs: 1_000,
  });
  await worker.start();
});

afterAll(async () => {
  await worker?.stop(2_000);
  if (service) await closeService(service);
  await Promise.all([nats?.cleanup(), mongo?.cleanup()]);
});

async function upload(text: string): Promise<string> {
  const fileId = newId();
  const store = await new Objm(ctx().nats.js).open(BUCKETS.materials);
  await store.putBlob({ name: fileId }, new TextEncoder().encode(text));
  return fileId;
}

/** A plan and a pending document for `fileId`, as the gateway leaves them after an upload. */
async function insertMaterial(fileId: string, filename = "fotossintese.md", contentType = "text/markdown") {
  const now = new Date();
  const plan: StudyPlan = {
    _id: newId(),
    tenantId: TENANT,
    userId: "user_1",
    title: "Biologia",
    goal: "fotossíntese",
    studyContext: null,
    startDate: "2025-03-01",
    endDate: "2025-03-07",
    dailyMinutes: 60,
    generationStatus: "succeeded",
    ingestStatus: "pending",
    lastError: null,
    jobId: null,
    provider: "offline",
    createdAt: now,
    updatedAt: now,
  };
  const document: DocumentRecord = {
    _id: newId(),
    tenantId: TENANT,
    planId: plan._id,
    fileId,
    filename,
    contentType,
    size: 0,
    ingestStatus: "pending",
    lastError: null,
    jobId: null,
    chunkCount: 0,
    createdAt: now,
    updatedAt: now,
  };
  await ctx().mongo.collections.plans.insertOne(plan);
  await ctx().mongo.collections.documents.insertOne(document);
  const payload = { planId: plan._id, documentId: document._id, fileId, filename, contentType };
  return { plan, document, payload };
}

async function publish(payload: Record<string, unknown>, jobId = newId(), msgId = jobId): Promise<JobCommand> {
  const command: JobCommand = {
    jobId,
    tenantId: TENANT,
    userId: "user_1",
    type: "material.ingest",
    queue: "ingest",
    priority: "normal",
    payload,
    createdAt: new Date().toISOString(),
  };
  await ctx().messaging.publish(SUBJECTS.job("ingest", "normal", TENANT), command, { msgId });
  return command;
}

/** The job's events from JOB_EVENTS, in order, up to its terminal one. */
async function eventsOf(jobId: string, timeoutMs = 20_000): Promise<JobEvent[]> {
  const consumer = await ctx().nats.js.consumers.get(STREAMS.events, {
    filter_subjects: SUBJECTS.eventsOfJob(TENANT, jobId),
  });
  const messages = await consumer.consume();
  const timer = setTimeout(() => messages.stop(), timeoutMs);
  const events: JobEvent[] = [];
  try {
    for await (const m of messages) {
      const event = JobEvent.parse(m.json());
      events.push(event);
      if (event.kind === "succeeded" || event.kind === "failed" || event.kind === "cancelled") break;
    }
  } finally {
    clearTimeout(timer);
    messages.stop();
  }
  return events;
}

const terminal = (events: JobEvent[]) => events.at(-1);

async function stateOf(planId: string, documentId: string) {
  const { plans, documents, chunks } = ctx().mongo.collections;
  return {
    plan: await plans.findOne({ _id: planId }),
    document: await documents.findOne({ _id: documentId }),
    chunks: await chunks.find({ documentId }).sort({ index: 1 }).toArray(),
  };
}

describe("ingestor worker", () => {
  it("ingests a Markdown upload: events, chunks with embeddings and offsets stored, document and plan succeeded", async () => {
    const { plan, document, payload } = await insertMaterial(await upload(MARKDOWN));
    const command = await publish(payload);

    const events = await eventsOf(command.jobId);
    expect(events.map((e) => e.kind)).toEqual(["started", "progress", "progress", "progress", "progress", "succeeded"]);
    expect(events.flatMap((e) => (e.kind === "progress" ? [e.data.step] : []))).toEqual([
      "extracting",
      "chunking",
      "embedding",
      "storing",
    ]);
    const done = terminal(events);
    const chunkCount = done?.kind === "succeeded" ? done.data.result.chunk_count : undefined;
    expect(done?.kind === "succeeded" && done.data.result.document_id).toBe(document._id);

    const state = await stateOf(plan._id, document._id);
    expect(chunkCount).toBeGreaterThan(3);
    expect(state.chunks).toHaveLength(chunkCount as number);
    expect(state.chunks.map((c) => c._id)).toEqual(state.chunks.map((_, i) => `${document._id}-c${i}`));
    for (const chunk of state.chunks) {
      expect(chunk).toMatchObject({ tenantId: TENANT, planId: plan._id, documentId: document._id });
      expect(chunk.embedding).toHaveLength(DIM);
      expect(Math.hypot(...chunk.embedding)).toBeCloseTo(1, 6);
      expect(chunk.text).toBe(MARKDOWN.slice(chunk.metadata.start, chunk.metadata.end));
      expect(chunk.text.length).toBeLessThanOrEqual(300);
    }
    expect(state.chunks.map((c) => c.metadata.heading)).toContain("Ciclo de Calvin");
    expect(state.document).toMatchObject({
      ingestStatus: "succeeded",
      chunkCount,
      lastError: null,
      jobId: command.jobId,
    });
    expect(state.plan?.ingestStatus).toBe("succeeded");
  });

  it("when the ingest runs again, chunks are replaced in place and leftovers beyond the count are removed", async () => {
    const { plan, document, payload } = await insertMaterial(await upload(MARKDOWN));
    expect(terminal(await eventsOf((await publish(payload)).jobId))?.kind).toBe("succeeded");
    const first = await stateOf(plan._id, document._id);
    const sample = first.chunks[0];
    if (!sample) throw new Error("no chunks");
    await ctx().mongo.collections.chunks.insertOne({ ...sample, _id: `${document._id}-c99`, index: 99 });

    // A new job for the same document, then the same job again with a new Nats-Msg-Id (a redelivery).
    const rerun = await publish(payload);
    expect(terminal(await eventsOf(rerun.jobId))?.kind).toBe("succeeded");
    await publish(payload, rerun.jobId, `${rerun.jobId}:again`);
    await waitFor(async () => (await ctx().nats.jsm.streams.info(STREAMS.jobs)).state.messages === 0, {
      what: "the JOBS queue to drain",
    });

    const again = await stateOf(plan._id, document._id);
    expect(again.chunks.map((c) => c._id)).toEqual(first.chunks.map((c) => c._id));
    expect(again.chunks.map((c) => c.embedding)).toEqual(first.chunks.map((c) => c.embedding));
    expect(again.document?.chunkCount).toBe(first.chunks.length);
  });

  it("a file missing from the object store fails the job at once and marks document and plan failed", async () => {
    const { plan, document, payload } = await insertMaterial("no_such_file");
    const command = await publish(payload);
    const events = await eventsOf(command.jobId);
    expect(events.map((e) => e.kind)).toEqual(["started", "progress", "failed"]);
    const failed = terminal(events);
    expect(failed?.kind === "failed" && failed.data.error.code).toBe("NOT_FOUND_IN_STORE");

    const state = await stateOf(plan._id, document._id);
    expect(state.document).toMatchObject({ ingestStatus: "failed", lastError: expect.stringMatching(/no_such_file/) });
    expect(state.plan?.ingestStatus).toBe("failed");
    const dead = await ctx().nats.jsm.streams.getMessage(STREAMS.deadLetters, {
      last_by_subj: SUBJECTS.deadLetter("ingest"),
    });
    expect(dead?.json<JobCommand>().jobId).toBe(command.jobId);
    expect(dead?.header.get(HEADERS.errorCode)).toBe("NOT_FOUND_IN_STORE");
  });

  it("a file that is neither plain text nor Markdown fails the job for good", async () => {
    const { plan, document, payload } = await insertMaterial(await upload("%PDF-1.7"), "notes.pdf", "application/pdf");
    const failed = terminal(await eventsOf((await publish(payload)).jobId));
    expect(failed?.kind === "failed" && failed.data.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect((await stateOf(plan._id, document._id)).document?.ingestStatus).toBe("failed");
  });

  it("a document that does not exist fails the job without a retry", async () => {
    const { payload } = await insertMaterial(await upload(MARKDOWN));
    const events = await eventsOf((await publish({ ...payload, documentId: "missing_doc" })).jobId);
    expect(events.map((e) => e.kind)).toEqual(["started", "failed"]);
    const failed = terminal(events);
    expect(failed?.kind === "failed" && failed.data.error.code).toBe("NOT_FOUND");
  });

  it("an invalid payload is dead-lettered and the document marked failed", async () => {
    const { plan, document, payload } = await insertMaterial(await upload(MARKDOWN));
    const events = await eventsOf((await publish({ ...payload, fileId: "" })).jobId);
    expect(events.map((e) => e.kind)).toEqual(["failed"]);
    const state = await waitFor(async () => {
      const s = await stateOf(plan._id, document._id);
      return s.document?.ingestStatus === "failed" ? s : undefined;
    });
    expect(state.document?.lastError).toMatch(/fileId/);
    expect(state.plan?.ingestStatus).toBe("failed");
  });
});
