/** The ingestor's worker on the testkit's service harness, and helpers to upload, submit and read back. */
import { BUCKETS, type ChunkRecord, type DocumentRecord, type JobEvent } from "@ai-jobs/contracts";
import { createEmbedder, createMongoChunkStore, type Embedder, searchChunks } from "@ai-jobs/retrieval";
import { loadConfig } from "@ai-jobs/runtime";
import { documentRecord, planRecord, type ServiceHarness, startServiceHarness } from "@ai-jobs/testkit";
import { Objm } from "@nats-io/obj";
import { configShape, type IngestorConfig } from "../src/config.js";
import { ingestor } from "../src/ingestor.js";

export const TENANT = "tenant_ingestor";

export interface IngestHarness extends ServiceHarness<IngestorConfig> {
  upload(content: string | Uint8Array): Promise<string>;
  newPlan(): Promise<string>;
  /** A pending document of `planId` for `fileId`, as the gateway leaves it after an upload. */
  newDocument(planId: string, fileId: string, filename: string): Promise<DocumentRecord>;
  ingest(doc: Pick<DocumentRecord, "planId" | "_id" | "filename">, fileId: string): Promise<JobEvent[]>;
  stateOf(documentId: string): Promise<{ document: DocumentRecord | null; chunks: ChunkRecord[] }>;
  search(planId: string, query: string, k: number): ReturnType<typeof searchChunks>;
}

/** `env`: service settings beyond the connections; `embedder`: instead of the one the settings make. */
export async function startIngestHarness(
  env: Record<string, string> = {},
  opts: { embedder?: Embedder } = {},
): Promise<IngestHarness> {
  const h = await startServiceHarness({
    service: "ingestor",
    config: (settings) => loadConfig(configShape, settings),
    env: {
      SERVICE_INSTANCE_ID: "ingestor-test",
      EMBEDDING_DIM: "64",
      CHUNK_SIZE_TOKENS: "60",
      CHUNK_OVERLAP_TOKENS: "10",
      INGEST_MAX_DECOMPRESSED_BYTES: String(4 * 1024 * 1024),
      ...env,
    },
  });
  const { ctx, config, newId } = h;
  await h.startWorker(ingestor, {
    concurrency: 2,
    instanceId: "ingestor-test",
    settings: config,
    pullExpiresMs: 1_000,
    ...(opts.embedder ? { embedder: opts.embedder } : {}),
  });
  const store = await new Objm(ctx.nats.js).open(BUCKETS.materials);
  const { plans, documents, chunks } = ctx.mongo.collections;
  const chunkStore = createMongoChunkStore(ctx.mongo.collections);
  const embedder = opts.embedder ?? createEmbedder(config);

  return {
    ...h,
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
      const command = await h.publishCommand({
        tenantId: TENANT,
        type: "material.ingest",
        payload: { planId: doc.planId, documentId: doc._id, fileId, filename: doc.filename, contentType: "x/y" },
      });
      return h.eventsOf(TENANT, command.jobId, { timeoutMs: 30_000 });
    },
    async stateOf(documentId) {
      return {
        document: await documents.findOne({ _id: documentId }),
        chunks: await chunks.find({ documentId }).sort({ index: 1 }).toArray(),
      };
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
  };
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
