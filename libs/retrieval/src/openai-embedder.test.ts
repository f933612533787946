import { PermanentError, TransientError } from "@ai-jobs/runtime";
import { type EmbeddingsTestServer, startEmbeddingsTestServer } from "@ai-jobs/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cosineSimilarity } from "./cosine.js";
import { createOpenAiEmbedder } from "./openai-embedder.js";

let server: EmbeddingsTestServer;
const signal = new AbortController().signal;

beforeAll(async () => {
  server = await startEmbeddingsTestServer();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

const embedder = (batchSize = 3, maxRetries = 2) =>
  createOpenAiEmbedder({
    apiKey: "test-key",
    baseURL: server.url,
    model: "text-embedding-3-small",
    dimensions: 32,
    batchSize,
    maxRetries,
    backoff: { baseMs: 10, maxMs: 50 },
  });

const texts = Array.from({ length: 7 }, (_, i) => `text number ${i} about topic ${i % 2 === 0 ? "even" : "odd"}`);

describe("OpenAI embedder (against an OpenAI-compatible test server)", () => {
  it("sends batches of batchSize inputs with the model and dimensions, and keeps the order", async () => {
    const batches: string[] = [];
    const vectors = await embedder(3).embed(texts, {
      signal,
      onBatch: (done, total) => void batches.push(`${done}/${total}`),
    });
    expect(server.requests.map((r) => r.inputs.length)).toEqual([3, 3, 1]);
    expect(server.requests.every((r) => r.model === "text-embedding-3-small" && r.dimensions === 32)).toBe(true);
    expect(batches).toEqual(["1/3", "2/3", "3/3"]);
    expect(vectors).toHaveLength(7);
    expect(vectors.every((v) => v.length === 32)).toBe(true);
    // Order kept: the vector of text i is the one the server computes for text i.
    const [alone] = await embedder().embed([texts[4] as string], { signal });
    expect(cosineSimilarity(alone as number[], vectors[4] as number[])).toBeCloseTo(1, 9);
  });

  it("retries a 429 (after its Retry-After) and a 500 with backoff, then succeeds", async () => {
    server.fail({ path: "/v1/embeddings", status: 429, times: 1, retryAfter: "0" });
    server.fail({ path: "/v1/embeddings", status: 500, times: 1 });
    const vectors = await embedder(10).embed(texts, { signal });
    expect(vectors).toHaveLength(7);
    expect(server.requests.map((r) => r.status)).toEqual([429, 500, 200]);
  });

  it("after maxRetries a 5xx is a TransientError (the job retries later); a 400 is permanent at once", async () => {
    server.fail({ path: "/v1/embeddings", status: 503, times: 3 });
    await expect(embedder(10, 2).embed(texts, { signal })).rejects.toBeInstanceOf(TransientError);
    expect(server.requests).toHaveLength(3);

    server.requests.length = 0;
    server.fail({ path: "/v1/embeddings", status: 400, times: 1 });
    await expect(embedder(10, 2).embed(texts, { signal })).rejects.toBeInstanceOf(PermanentError);
    expect(server.requests).toHaveLength(1);
  });

  it("stops when the signal fires", async () => {
    await expect(embedder().embed(texts, { signal: AbortSignal.abort(new Error("cancelled")) })).rejects.toThrow(
      "cancelled",
    );
    expect(server.requests).toHaveLength(0);
  });
});
