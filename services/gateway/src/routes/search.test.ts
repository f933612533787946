import { type ChunkRecord, SearchResponse } from "@ai-jobs/contracts";
import { createHashingEmbedder } from "@ai-jobs/retrieval";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, createPlan, otherAuth, problemOf, startHarness } from "../../test/harness.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;
let planId: string;

const TEXTS = {
  biology: ["Photosynthesis in chloroplasts turns sunlight into glucose.", "Chlorophyll absorbs sunlight in leaves."],
  history: ["Augustus was the first Roman emperor.", "Roman legions built roads across the empire."],
};

/** Chunks as the ingestor leaves them: an active generation per document, and a stale one that must stay unseen. */
async function seed(): Promise<void> {
  const c = h.ctx.mongo.collections;
  const embedder = createHashingEmbedder(h.config.EMBEDDING_DIM);
  const signal = new AbortController().signal;
  const now = new Date();
  for (const [topic, texts] of Object.entries(TEXTS)) {
    const documentId = `doc_${topic}`;
    await c.documents.insertOne({
      _id: documentId,
      tenantId: "acme",
      planId,
      fileId: `file_${topic}`,
      filename: `${topic}.md`,
      contentType: "text/markdown",
      size: 1,
      ingestStatus: "succeeded",
      lastError: null,
      jobId: null,
      chunkCount: texts.length,
      activeGeneration: "g2",
      createdAt: now,
      updatedAt: now,
    });
    const vectors = await embedder.embed(texts, { signal });
    const chunks = (generation: string): ChunkRecord[] =>
      texts.map((text, index) => ({
        _id: `${documentId}-g${generation}-c${index}`,
        tenantId: "acme",
        planId,
        documentId,
        index,
        text: generation === "g2" ? text : `stale ${text}`,
        embedding: vectors[index] as number[],
        metadata: { heading: topic, start: 0, end: text.length, page: null, tokens: 10 },
        generation,
        contentHash: `${topic}${index}`,
        embedder: embedder.name,
      }));
    await c.chunks.insertMany([...chunks("g1"), ...chunks("g2")]);
  }
}

beforeAll(async () => {
  app = await h.app();
  planId = await createPlan(app);
  await seed();
});

const search = (query: string, headers = auth, plan = planId) =>
  app.inject({ method: "GET", url: `/api/ai/study-plans/${plan}/search/?${query}`, headers });

describe("GET /api/ai/study-plans/:id/search/", () => {
  it("returns the top-k chunks of the active generations, best first, with scores", async () => {
    const res = await search(`q=${encodeURIComponent("sunlight in chloroplasts")}&k=3`);
    expect(res.statusCode).toBe(200);
    const body = SearchResponse.parse(res.json());
    expect(body.hits).toHaveLength(3);
    expect(body.hits.slice(0, 2).map((x) => x.document_id)).toEqual(["doc_biology", "doc_biology"]);
    expect(body.hits.map((x) => x.score)).toEqual([...body.hits.map((x) => x.score)].sort((a, b) => b - a));
    expect(body.hits.every((x) => !x.text.startsWith("stale"))).toBe(true);
    expect(body.hits[0]).toMatchObject({ heading: "biology", page: null });
  });

  it("uses k=5 by default and never returns more chunks than the plan has", async () => {
    const body = SearchResponse.parse((await search("q=roman+emperor")).json());
    expect(body.hits).toHaveLength(4);
    expect(body.hits[0]?.document_id).toBe("doc_history");
  });

  it("answers problem+json for bad input, and 404 for another tenant's plan", async () => {
    for (const query of ["", "q=", "q=%20%20", "q=x&k=0", "q=x&k=51", "q=x&k=abc", "q=x&extra=1"]) {
      const res = await search(query);
      expect(res.statusCode, query).toBe(400);
      expect(problemOf(res).code, query).toBe("VALIDATION_FAILED");
    }
    const foreign = await search("q=roman", otherAuth);
    expect(foreign.statusCode).toBe(404);
    expect((await search("q=roman", auth, "no_such_plan")).statusCode).toBe(404);
  });
});
