import { describe, expect, it } from "vitest";
import { createHashingEmbedder, embedText } from "./hashing-embedder.js";

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
const norm = (v: number[]) => Math.sqrt(cosine(v, v));
const signal = new AbortController().signal;

describe("hashing embedder", () => {
  const embedder = createHashingEmbedder(256);

  it("gives unit vectors of the configured dimension, the same for the same text", async () => {
    const texts = ["Photosynthesis converts light into chemical energy.", "---", "Olá, mundo!"];
    const [a, b] = [await embedder.embed(texts, { signal }), await createHashingEmbedder(256).embed(texts, { signal })];
    expect(a).toEqual(b);
    for (const v of a) {
      expect(v).toHaveLength(256);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
    expect((await createHashingEmbedder(64).embed(texts, { signal }))[0]).toHaveLength(64);
  });

  it("puts similar texts closer than unrelated ones", () => {
    const dim = 256;
    const base = embedText("Photosynthesis in plants converts sunlight into chemical energy", dim);
    const similar = embedText("Plants use photosynthesis to turn sunlight into energy", dim);
    const unrelated = embedText("The stock market closed lower after interest rate news", dim);
    expect(cosine(base, similar)).toBeGreaterThan(cosine(base, unrelated) + 0.2);
  });

  it("ignores case and accents", () => {
    expect(embedText("Fotossíntese", 128)).toEqual(embedText("fotossintese", 128));
  });

  it("returns a zero vector only for text with nothing in it", () => {
    expect(embedText("   ", 16).every((x) => x === 0)).toBe(true);
  });

  it("stops when the job's signal has fired", async () => {
    await expect(embedder.embed(["a"], { signal: AbortSignal.abort(new Error("cancelled")) })).rejects.toThrow(
      "cancelled",
    );
  });
});
