import path from "node:path";
import {
  BUCKETS,
  type DocumentRecord,
  type JobCommand,
  LLM_USAGE_COLLECTION,
  type LlmUsageRecord,
  type StudyPlan,
  SUBJECTS,
} from "@ai-jobs/contracts";
import { createIdGenerator, createTokenBudgets } from "@ai-jobs/runtime";
import {
  documentRecord,
  type EmbeddingsTestServer,
  freePort,
  type MongoServer,
  type NatsServer,
  planRecord,
  repoRoot,
  spawnService,
  startEmbeddingsTestServer,
  startMongo,
  startNats,
  waitFor,
} from "@ai-jobs/testkit";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TENANT = "tenant_process";
const newId = createIdGenerator();

let nats: NatsServer | undefined;
let mongo: MongoServer | undefined;
let openai: EmbeddingsTestServer | undefined;

beforeAll(async () => {
  // NATS with the generated authorization: the service runs as its own user, the test plays the gateway.
  [nats, mongo, openai] = await Promise.all([startNats({ auth: true }), startMongo(), startEmbeddingsTestServer()]);
});

afterAll(async () => {
  await Promise.all([nats?.cleanup(), mongo?.cleanup(), openai?.close()]);
});

const NOTES = Array.from(
  { length: 6 },
  (_, i) => `## Topic ${i}\n\nThe notes on topic ${i} say something worth a chunk of its own about subject ${i}.`,
).join("\n\n");

describe("ingestor process", () => {
  it("boots, ingests an uploaded file with OpenAI embeddings (batched) and a budgeted LLM summary, and exits cleanly on SIGTERM", async () => {
    if (!nats || !mongo || !openai) throw new Error("servers not started");
    const port = await freePort();
    const ingestor = await spawnService({
      name: "ingestor",
      entry: path.join(repoRoot(), "services/ingestor/src/main.ts"),
      env: {
        NATS_URL: nats.url,
        ...nats.auth?.envOf("ingestor"),
        MONGO_URL: mongo.url,
        MONGO_DB: mongo.dbName,
        HOST: "127.0.0.1",
        HEALTH_PORT: String(port),
        LOG_LEVEL: "info",
        EMBEDDING_DIM: "32",
        OPENAI_API_KEY: "test-key",
        OPENAI_BASE_URL: openai.url,
        EMBEDDING_BATCH_SIZE: "2",
        CHUNK_SIZE_TOKENS: "32",
        CHUNK_OVERLAP_TOKENS: "0",
        SUMMARY_MODEL: "gpt-test",
        // A budget for every tenant: the summary's check reads the tenant's count, its charge adds to it.
        LLM_DAILY_TOKEN_BUDGET: "1000000",
        SHUTDOWN_TIMEOUT_MS: "10000",
      },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    const client = new MongoClient(mongo.url);
    const nc = await connect({ servers: nats.url, ...nats.auth?.clientOptionsOf("gateway") });
    try {
      const db = client.db(mongo.dbName);
      const now = new Date();
      const planId = newId();
      const fileId = newId();
      const documentId = newId();
      // The ingestor provisioned the MATERIALS bucket at boot; the test plays the gateway's upload.
      const store = await new Objm(jetstream(nc)).open(BUCKETS.materials);
      await store.putBlob({ name: fileId }, new TextEncoder().encode(NOTES));
      await db.collection<StudyPlan>("study_plans").insertOne(
        planRecord(planId, TENANT, {
          title: "Notes",
          goal: "notes",
          generationStatus: "succeeded",
          ingestStatus: "pending",
          provider: "offline",
        }),
      );
      const documents = db.collection<DocumentRecord>("documents");
      await documents.insertOne(
        documentRecord(documentId, TENANT, {
          planId,
          fileId,
          filename: "notes.md",
          contentType: "text/markdown; charset=utf-8",
          size: 40,
        }),
      );
      const command: JobCommand = {
        jobId: newId(),
        tenantId: TENANT,
        userId: "user_1",
        type: "material.ingest",
        queue: "ingest",
        priority: "low",
        payload: { planId, documentId, fileId, filename: "notes.md", contentType: "text/markdown; charset=utf-8" },
        createdAt: now.toISOString(),
      };
      await jetstream(nc).publish(SUBJECTS.job("ingest", "low", TENANT), JSON.stringify(command), {
        msgID: command.jobId,
      });
      const done = await waitFor(
        async () => {
          const d = await documents.findOne({ _id: documentId });
          return d?.ingestStatus === "succeeded" ? d : undefined;
        },
        { what: "the document to be ingested", timeoutMs: 20_000 },
      );
      expect(done.chunkCount).toBe(6);
      expect(done.summary).toMatchObject({ kind: "llm", model: "gpt-test" });
      const chunks = await db.collection("chunks").find({ documentId }).toArray();
      expect(chunks.map((c) => [c.embedding.length, c.embedder])).toEqual(
        Array(6).fill([32, "openai:text-embedding-3-small:32"]),
      );
      const embeddingCalls = openai.requests.filter((r) => r.path === "/v1/embeddings");
      expect(embeddingCalls.map((r) => r.inputs.length)).toEqual([2, 2, 2]);
      // The summary's tokens, recorded and charged under the ingestor's own NATS user (no violation below). Both are
      // written when the attempt ends, just after the document is marked succeeded: waited for, not raced.
      const usage = await waitFor(
        async () =>
          (await db.collection<LlmUsageRecord>(LLM_USAGE_COLLECTION).findOne({ jobId: command.jobId })) ?? undefined,
        { what: "the summary's usage record" },
      );
      expect(usage).toMatchObject({ type: "material.ingest", model: "gpt-test", calls: 1 });
      const budgets = createTokenBudgets(
        { js: jetstream(nc), jsm: await jetstreamManager(nc) },
        { LLM_DAILY_TOKEN_BUDGET: 1, LLM_DAILY_TOKEN_BUDGET_TENANTS: new Map() },
      );
      const spent = await waitFor(async () => (await budgets.check(TENANT)).spent || undefined, {
        what: "the summary's tokens charged to the tenant's budget",
      });
      expect(spent).toBe(usage.promptTokens + usage.completionTokens);

      expect(await ingestor.kill("SIGTERM")).toBe(0);
      expect(nats.violations(), "NATS permission violations").toEqual([]);
      expect(ingestor.logs().some((line) => line.includes("worker stopped"))).toBe(true);
    } finally {
      await ingestor.kill("SIGKILL");
      await nc.close();
      await client.close();
    }
  });
});
