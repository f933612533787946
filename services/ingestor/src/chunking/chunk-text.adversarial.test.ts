import { longestEventLoopStall } from "@ai-jobs/testkit";
import { describe, expect, it } from "vitest";
import { chunkText, chunkTextInSlices, type TextChunk } from "./chunk-text.js";
import { createTokenCounter } from "./tokenizer.js";

const count = createTokenCounter();
const opts = { size: 400, overlap: 60, count };

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

const wellFormed = (source: string, chunks: TextChunk[]) =>
  chunks.every((c) => c.text === source.slice(c.start, c.end) && c.tokens <= opts.size && c.tokens === count(c.text));

/** Inputs the old chunker took seconds (or minutes) on, each finished here in well under a second. */
describe("chunkText on adversarial text", () => {
  it.each([
    // The sentence-end pattern rescanned a run of dots from each dot: 20,000 took 1.8 s.
    ["40,000 dots", ".".repeat(40_000)],
    // The ATX heading pattern was cubic on a heading line of spaces that does not end the line.
    ["a heading line of 3,500 spaces", `#${" ".repeat(3_500)}\rx`],
    // The encoder is quadratic on one long pre-token: 16,000 `x` took 300 ms, 50,000 seconds, a megabyte minutes.
    ["a word of 50,000 x", "x".repeat(50_000)],
    ["50,000 spaces between two words", `a${" ".repeat(50_000)}b`],
    ["a word of a million x", "x".repeat(1_000_000)],
    ["200,000 spaces between two words", `a${" ".repeat(200_000)}b`],
    ["200,000 dots", ".".repeat(200_000)],
  ])("chunks %s fast", (_, source) => {
    const { value: chunks, ms } = timed(() => chunkText(source, opts));
    expect(chunks.length).toBeGreaterThan(0);
    expect(wellFormed(source, chunks)).toBe(true);
    expect(ms).toBeLessThan(500);
  });

  it("counts tokens exactly as cl100k_base on ordinary text, cut into pieces or not", async () => {
    const { countTokens } = await import("gpt-tokenizer/encoding/cl100k_base");
    const text = "Ação, it's 12345 — e.g. “quoted”. Next line\n\n  indented   words\tand tabs 😀 ".repeat(400);
    expect(text.length).toBeGreaterThan(20_000);
    expect(count(text)).toBe(countTokens(text, { disallowedSpecial: new Set() }));
  });
});

describe("chunkTextInSlices", () => {
  it("never holds the event loop for long on a large document, and chunks it as chunkText does", async () => {
    const prose = "The quick brown fox jumps over the lazy dog near the river bank. ";
    // About 8 MB: prose paragraphs, blank lines with spaces, runs of dots and spaces, a huge word, long headings.
    const source = [
      `${prose.repeat(6)}\n\n`.repeat(20_000),
      "a\n \n".repeat(100_000),
      `# heading${" ".repeat(100_000)}\n`,
      ".".repeat(200_000),
      " ".repeat(500_000),
      "x".repeat(500_000),
    ].join("\n\n");
    expect(source.length).toBeGreaterThan(8_000_000);
    let chunks: TextChunk[] = [];
    const stall = await longestEventLoopStall(async () => {
      chunks = await chunkTextInSlices(source, opts, { sliceMs: 20 });
    });
    // The whole job takes seconds; the loop gets a turn at least every 20 ms of work (allowance for a busy machine).
    expect(stall).toBeLessThan(250);
    expect(chunks).toEqual(chunkText(source, opts));
  });

  it("stops between slices when the job is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(
      chunkTextInSlices("word ".repeat(200_000), opts, { sliceMs: 0, signal: controller.signal }),
    ).rejects.toThrow("cancelled");
  });
});
