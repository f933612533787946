/** A booted ingestor worker on real nats-server and FerretDB, and helpers to upload, submit and read back. */
import { BUCKETS, type DocumentRecord, type JobCommand, JobEvent, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { createEmbedder, createMongoChunkStore, type Embedder, searchChunks } from "@ai-jobs/retrieval";
import {
  bootService,
  closeService,
  createIdGenerator,
  createServiceWorker,
  loadConfig,
  type ServiceContext,
  type Worker,
} from "@ai-jobs/runtime";
import { documentRecord, type MongoServer, type NatsServer, planRecord, startMongo, startNats } from "@ai-jobs/testkit";
import { Objm } from "@nats-io/obj";
import { configShape, type IngestorConfig } from "../src/config.js";
import { ingestor } from "../src/ingestor.js";

export const TENANT = "tenant_ingestor";
export const newId = createIdGenerator();

export interface IngestHarness {
  ctx: ServiceContext;
  config: IngestorConfig;
  upload(content: string | Uint8Array): Promise<string>;
  newPlan(): Promise<string>;
  /** A pending document of `planId` for `fileId`, as the gateway leaves it after an upload. */
  newDocument(planId: string, fileId: string, filename: string): Promise<DocumentRecord>;
  ingest(doc: Pick<DocumentRecord, "planId" | "_id" | "filename">, fileId: string): Promise<JobEvent[]>;
  stateOf(
    documentId: string,
  ): Promise<{ document: DocumentRecord | null; chunks: Awaited<ReturnType<typeof chunksOf>> }>;
  search(planId: string, query: string, k: number): ReturnType<typeof searchChunks>;
  stop(): Promise<void>;
}

let chunksOf: (documentId: string) => Promise<import("@ai-jobs/contracts").ChunkRecord[]>;

/** `env`: service settings beyond the connections; `embedder`: instead of the one the settings make. */
export async function startIngestHarness(
  env: Record<string, string> = {},
  opts: { embedder?: Embedder } = {},
): Promise<IngestHarness> {
  const [nats, mongo]: [NatsServer, MongoServer] = await Promise.all([startNats(), startMongo()]);
  const config = loadConfig(configShape, {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    LOG_LEVEL: "silent",
    SERVICE_INSTANCE_ID: "ingestor-test",
    EMBEDDING_DIM: "64",
    CHUNK_SIZE_TOKENS: "60",
    CHUNK_OVERLAP_TOKENS: "10",
    INGEST_MAX_DECOMPRESSED_BYTES: String(4 * 1024 * 1024),
    ...env,
  });
  const ctx = await bootService("ingestor", "test", config);
  const worker: Worker = createServiceWorker(ctx, ingestor, {
    concurrency: 2,
    instanceId: "ingestor-test",
    settings: config,
    pullExpiresMs: 1_000,
    ...(opts.embedder ? { embedder: opts.embedder } : {}),
  });
  await worker.start();
  const store = await new Objm(ctx.nats.js).open(BUCKETS.materials);
  const { plans, documents, chunks } = ctx.mongo.collections;
  chunksOf = (documentId) => chunks.find({ documentId }).sort({ index: 1 }).toArray();
  const chunkStore = createMongoChunkStore(ctx.mongo.collections);
  const embedder = opts.embedder ?? createEmbedder(config);

  return {
    ctx,
    config,
    async upload(content) {
      const fileId = newId();
      await store.putBlob({ name: fileId }, typeof content === "string" ? new TextEncoder().encode(content) : content);
      return fileId;
    },
    async newPlan() {
      const plan = planRecord(newId(), TENANT, {
        title: "Materials",
        goal: "study",
        generationStatus: "succeeded",
        ingestStatus: "pending",
        provider: "offline",
      });
      await plans.insertOne(plan);
      return plan._id;
    },
    async newDocument(planId, fileId, filename) {
      const document = documentRecord(newId(), TENANT, {
        planId,
        fileId,
        filename,
        contentType: "application/octet-stream",
        size: 0,
      });
      await documents.insertOne(document);
      return document;
    },
    async ingest(doc, fileId) {
      const command: JobCommand = {
        jobId: newId(),
        tenantId: TENANT,
        userId: "user_1",
        type: "material.ingest",
        queue: "ingest",
        priority: "normal",
        payload: { planId: doc.planId, documentId: doc._id, fileId, filename: doc.filename, contentType: "x/y" },
        createdAt: new Date().toISOString(),
      };
      await ctx.messaging.publish(SUBJECTS.job("ingest", "normal", TENANT), command, { msgId: command.jobId });
      return eventsOf(ctx, command.jobId);
    },
    async stateOf(documentId) {
      return { document: await documents.findOne({ _id: documentId }), chunks: await chunksOf(documentId) };
    },
    search: (planId, query, k) =>
      searchChunks({
        store: chunkStore,
        embedder,
        tenantId: TENANT,
        planId,
        query,
        k,
        signal: AbortSignal.timeout(20_000),
      }),
    async stop() {
      await worker.stop(2_000);
      await closeService(ctx);
      await Promise.all([nats.cleanup(), mongo.cleanup()]);
    },
  };
}

/** The job's events from JOB_EVENTS, in order, up to its terminal one. */
async function eventsOf(ctx: ServiceContext, jobId: string, timeoutMs = 30_000): Promise<JobEvent[]> {
  const consumer = await ctx.nats.js.consumers.get(STREAMS.events, {
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

export const resultOf = (events: JobEvent[]) => {
  const last = events.at(-1);
  if (last?.kind !== "succeeded") throw new Error(`job did not succeed: ${JSON.stringify(last)}`);
  return last.data.result as {
    document_id: string;
    chunk_count: number;
    embedded_count: number;
    unchanged: boolean;
    summary_kind?: string;
  };
};

export const errorOf = (events: JobEvent[]) => {
  const last = events.at(-1);
  return last?.kind === "failed" ? last.data.error : undefined;
};
