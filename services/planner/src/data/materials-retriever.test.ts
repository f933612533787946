import { createHashingEmbedder, createMongoChunkStore } from "@ai-jobs/retrieval";
import { type Collections, collectionsOf } from "@ai-jobs/runtime";
import { type MongoServer, startMongo } from "@ai-jobs/testkit";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { materialsRetriever } from "./materials-retriever.js";

const embedder = createHashingEmbedder(256);
let server: MongoServer;
let client: MongoClient;
let c: Collections;

const texts = {
  photosynthesis: "Photosynthesis: chlorophyll in the leaves turns sunlight, water and carbon dioxide into glucose.",
  french: "The French Revolution began in 1789 with the storming of the Bastille in Paris.",
  calculus: "A derivative measures how a function changes; integrals accumulate areas under curves.",
};

/** A document of `planId` whose active generation holds one chunk per text, embedded as the ingestor would. */
async function storeDocument(tenantId: string, planId: string, documentId: string, generation: string) {
  const now = new Date();
  await c.documents.insertOne({
    _id: documentId,
    tenantId,
    planId,
    fileId: `f_${documentId}`,
    filename: "notes.md",
    contentType: "text/markdown",
    size: 1,
    ingestStatus: "succeeded",
    lastError: null,
    jobId: null,
    chunkCount: 3,
    activeGeneration: generation,
    createdAt: now,
    updatedAt: now,
  });
  const entries = Object.entries(texts);
  const vectors = await embedder.embed(
    entries.map(([, text]) => text),
    { signal: AbortSignal.timeout(5_000) },
  );
  await c.chunks.insertMany(
    entries.map(([topic, text], index) => ({
      _id: `${documentId}:${topic}`,
      tenantId,
      planId,
      documentId,
      index,
      text,
      embedding: vectors[index] ?? [],
      metadata: { heading: topic, start: 0, end: text.length },
      generation,
      contentHash: `${documentId}:${topic}`,
      embedder: embedder.name,
    })),
  );
}

beforeAll(async () => {
  server = await startMongo();
  client = await MongoClient.connect(server.url);
  c = collectionsOf(client.db(server.dbName));
});

afterAll(async () => {
  await client?.close();
  await server?.cleanup();
});

describe("materialsRetriever", () => {
  it("gives a prompt the plan's chunks most relevant to the query, best first, from this tenant's plan only", async () => {
    await storeDocument("acme", "plan_1", "doc_1", "g1");
    await storeDocument("globex", "plan_1", "doc_other_tenant", "g1");
    const retrieve = materialsRetriever(createMongoChunkStore(c), embedder);

    const context = await retrieve("acme", "plan_1", "how do leaves use sunlight and chlorophyll", 2);
    expect(context).toHaveLength(2);
    expect(context[0]).toEqual({ id: "doc_1:photosynthesis", text: texts.photosynthesis });
    expect(context.every((chunk) => chunk.id.startsWith("doc_1:"))).toBe(true);

    expect(await retrieve("acme", "plan_without_materials", "anything", 5)).toEqual([]);
    expect(await retrieve("acme", "plan_1", "chlorophyll", 0)).toEqual([]);
  });
});
