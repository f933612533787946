import { BUCKETS, LLM_USAGE_COLLECTION, type LlmUsageRecord } from "@ai-jobs/contracts";
import { createTokenBudgets } from "@ai-jobs/runtime";
import {
  documentRecord,
  type EmbeddingsTestServer,
  planRecord,
  startEmbeddingsTestServer,
  startTestServers,
  type TestServers,
  waitFor,
} from "@ai-jobs/testkit";
import { Objm } from "@nats-io/obj";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TENANT = "tenant_process";

let servers: TestServers;
let openai: EmbeddingsTestServer;

beforeAll(async () => {
  // NATS with the generated authorization: the service runs as its own user, the harness plays the gateway.
  [servers, openai] = await Promise.all([startTestServers({ nats: { auth: true } }), startEmbeddingsTestServer()]);
});

afterAll(async () => {
  await Promise.all([servers?.close(), openai?.close()]);
});

const NOTES = Array.from(
  { length: 6 },
  (_, i) => `## Topic ${i}\n\nThe notes on topic ${i} say something worth a chunk of its own about subject ${i}.`,
).join("\n\n");

describe("ingestor process", () => {
  it("boots, ingests an uploaded file with OpenAI embeddings (batched) and a budgeted LLM summary, and exits cleanly on SIGTERM", async () => {
    // First on the servers: the ingestor provisions them from scratch as its own user.
    const ingestor = await servers.spawn("ingestor", {
      env: {
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
    });
    const h = await servers.boot({ service: "gateway" });
    const { db } = h.ctx.mongo;
    const planId = h.newId();
    const fileId = h.newId();
    const documentId = h.newId();
    // The ingestor provisioned the MATERIALS bucket at boot; the harness plays the gateway's upload.
    const store = await new Objm(h.ctx.nats.js).open(BUCKETS.materials);
    await store.putBlob({ name: fileId }, new TextEncoder().encode(NOTES));
    await h.ctx.mongo.collections.plans.insertOne(
      planRecord(planId, TENANT, {
        title: "Notes",
        goal: "notes",
        generationStatus: "succeeded",
        ingestStatus: "pending",
        provider: "offline",
      }),
    );
    await h.ctx.mongo.collections.documents.insertOne(
      documentRecord(documentId, TENANT, {
        planId,
        fileId,
        filename: "notes.md",
        contentType: "text/markdown; charset=utf-8",
        size: 40,
      }),
    );
    const command = await h.publishCommand({
      tenantId: TENANT,
      type: "material.ingest",
      priority: "low",
      payload: { planId, documentId, fileId, filename: "notes.md", contentType: "text/markdown; charset=utf-8" },
    });
    const done = await h.waitForRecord(
      "documents",
      { _id: documentId, ingestStatus: "succeeded" },
      { timeoutMs: 20_000 },
    );
    expect(done.chunkCount).toBe(6);
    expect(done.summary).toMatchObject({ kind: "llm", model: "gpt-test" });
    const chunks = await h.ctx.mongo.collections.chunks.find({ documentId }).toArray();
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
    const budgets = createTokenBudgets(h.ctx.nats, {
      LLM_DAILY_TOKEN_BUDGET: 1,
      LLM_DAILY_TOKEN_BUDGET_TENANTS: new Map(),
    });
    const spent = await waitFor(async () => (await budgets.check(TENANT)).spent || undefined, {
      what: "the summary's tokens charged to the tenant's budget",
    });
    expect(spent).toBe(usage.promptTokens + usage.completionTokens);

    expect(await ingestor.kill("SIGTERM")).toBe(0);
    expect(h.nats.violations(), "NATS permission violations").toEqual([]);
    expect(ingestor.logs().some((line) => line.includes("worker stopped"))).toBe(true);
  });
});
