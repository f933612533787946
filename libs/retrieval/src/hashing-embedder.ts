import { batchCount, type Embedder } from "./embedder.js";

const WORD = /[\p{L}\p{N}]+/gu;
const WORD_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;
/** Texts per batch between two checks of the signal. */
const BATCH = 256;

/** FNV-1a, 32 bits, over UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Lowercase, without diacritics: "Fotossíntese" and "fotossintese" hash alike. */
const fold = (text: string) => text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();

/**
 * Feature hashing (the "hashing trick"): each lowercase word and each character trigram of a word (with boundary
 * marks) is hashed into one of `dimension` buckets, with a sign taken from the hash's top bit so collisions
 * cancel out on average instead of piling up. The vector is L2-normalised, so cosine similarity is a dot
 * product. Deterministic and offline; texts that share words and word pieces end up close.
 */
export function embedText(text: string, dimension: number): number[] {
  const vector = new Array<number>(dimension).fill(0);
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature);
    vector[h % dimension] = (vector[h % dimension] ?? 0) + (h >>> 31 === 1 ? -weight : weight);
  };
  const folded = fold(text);
  const words = folded.match(WORD) ?? [];
  for (const word of words) {
    add(`w:${word}`, WORD_WEIGHT);
    const chars = Array.from(`^${word}$`);
    for (let i = 0; i + 3 <= chars.length; i++) add(`g:${chars.slice(i, i + 3).join("")}`, TRIGRAM_WEIGHT);
  }
  if (words.length === 0) {
    // No letters or digits (a rule, a table border): its symbols still say something.
    const chars = Array.from(folded.replace(/\s+/gu, " ").trim());
    for (let i = 0; i < chars.length; i++) add(`g:${chars.slice(i, i + 3).join("")}`, TRIGRAM_WEIGHT);
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/** The offline default: no network, no key, lexical similarity only (shared words and word pieces). */
export function createHashingEmbedder(dimension: number): Embedder {
  if (!Number.isInteger(dimension) || dimension < 1) throw new RangeError(`invalid embedding dimension ${dimension}`);
  return {
    name: `hashing-${dimension}`,
    dimension,
    batchSize: BATCH,
    async embed(texts, { signal, onBatch }) {
      const vectors: number[][] = [];
      const total = batchCount(texts.length, BATCH);
      for (let i = 0; i < texts.length; i += BATCH) {
        signal.throwIfAborted();
        for (const text of texts.slice(i, i + BATCH)) vectors.push(embedText(text, dimension));
        await onBatch?.(i / BATCH + 1, total);
      }
      return vectors;
    },
  };
}
