import { describe, expect, it } from "vitest";
import { type ChunkOptions, chunkText as chunkWith, type TextChunk } from "./chunk-text.js";
import { createTokenCounter } from "./tokenizer.js";

const count = createTokenCounter();
const chunkText = (source: string, opts: Omit<ChunkOptions, "count">) => chunkWith(source, { ...opts, count });

const MARKDOWN = `Notes taken before any heading.

# Fotossíntese

A fotossíntese converte luz em energia química. Ela ocorre nos cloroplastos das células vegetais.

As plantas liberam oxigênio como subproduto.

## Fase clara ##

Na fase clara, a luz quebra moléculas de água.

\`\`\`text
# not a heading inside a fence

still the same block
\`\`\`

## Ciclo de Calvin

O ciclo de Calvin fixa o carbono em açúcares.
`;

function expectWellFormed(source: string, chunks: TextChunk[], size: number) {
  for (const c of chunks) {
    expect(c.text).toBe(source.slice(c.start, c.end));
    expect(c.text.length).toBeGreaterThan(0);
    expect(c.tokens).toBe(count(c.text));
    expect(c.tokens).toBeLessThanOrEqual(size);
    expect(c.text).toBe(c.text.trim());
  }
  for (let i = 1; i < chunks.length; i++) {
    const [prev, cur] = [chunks[i - 1], chunks[i]];
    if (prev && cur) expect(cur.start).toBeGreaterThan(prev.start);
  }
}

/** Every non-space character of the source is in some chunk. */
function expectCovers(source: string, chunks: TextChunk[]) {
  const covered = new Array<boolean>(source.length).fill(false);
  for (const c of chunks) for (let i = c.start; i < c.end; i++) covered[i] = true;
  const missed = [...source].flatMap((ch, i) => (/\s/.test(ch) || covered[i] ? [] : [i]));
  expect(missed).toEqual([]);
}

describe("chunkText", () => {
  it("gives each chunk the nearest heading above it, and never crosses a heading", () => {
    const chunks = chunkText(MARKDOWN, { size: 300, overlap: 40 });
    expect(chunks.map((c) => c.heading)).toEqual([null, "Fotossíntese", "Fase clara", "Ciclo de Calvin"]);
    expect(chunks[1]?.text.startsWith("# Fotossíntese")).toBe(true);
    expect(chunks[1]?.text.endsWith("subproduto.")).toBe(true);
    expect(chunks[2]?.text).toContain("# not a heading inside a fence");
    expectWellFormed(MARKDOWN, chunks, 300);
    expectCovers(MARKDOWN, chunks);
  });

  it("packs paragraphs up to the size, and repeats the end of a chunk at the start of the next", () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} says something about topic ${i}.`);
    const source = paragraphs.join("\n\n");
    const chunks = chunkText(source, { size: 50, overlap: 10 });
    expect(chunks.length).toBeGreaterThan(2);
    expectWellFormed(source, chunks, 50);
    expectCovers(source, chunks);
    for (let i = 1; i < chunks.length; i++) {
      const [prev, cur] = [chunks[i - 1], chunks[i]];
      if (!prev || !cur) continue;
      expect(cur.start).toBeLessThan(prev.end);
      // About `overlap` tokens repeated (converted at the chunk's characters-per-token rate).
      expect(count(source.slice(cur.start, prev.end))).toBeLessThanOrEqual(14);
      expect(/\s/.test(source[cur.start - 1] ?? " ")).toBe(true);
    }
  });

  it("with no overlap, chunks do not share characters", () => {
    const source = Array.from({ length: 30 }, (_, i) => `Line ${i} of the text.`).join("\n\n");
    const chunks = chunkText(source, { size: 25, overlap: 0 });
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]?.start).toBeGreaterThanOrEqual(chunks[i - 1]?.end ?? 0);
    expectCovers(source, chunks);
  });

  it("splits a paragraph longer than a chunk at sentence ends, then at spaces, then anywhere", () => {
    const sentences = Array.from({ length: 20 }, (_, i) => `Sentence number ${i} is here.`).join(" ");
    const longSentence = Array.from({ length: 80 }, (_, i) => `word${i}`).join(" ");
    const blob = "x".repeat(2_000);
    const source = `# Long\n\n${sentences}\n\n${longSentence}\n\n${blob}`;
    const chunks = chunkText(source, { size: 60, overlap: 8 });
    expectWellFormed(source, chunks, 60);
    expectCovers(source, chunks);
    expect(chunks.every((c) => c.heading === "Long")).toBe(true);
    // Sentence-split chunks end at a sentence end.
    expect(
      chunks.filter((c) => c.text.includes("Sentence")).every((c) => c.text.endsWith(".") || c.text.includes("word0")),
    ).toBe(true);
    // A word with no space and too many tokens is cut into slices of size/3 characters (at most `size` tokens each).
    const blobChunks = chunks.filter((c) => c.text.includes("x".repeat(20)));
    expect(blobChunks.length).toBeGreaterThan(1);
    expect(blobChunks.map((c) => c.text.match(/x+/)?.[0]).join("")).toBe(blob);
  });

  it("makes no chunk from blank text or a lone empty heading", () => {
    expect(chunkText("", { size: 300, overlap: 50 })).toEqual([]);
    expect(chunkText(" \n\n \t\n", { size: 300, overlap: 50 })).toEqual([]);
    const chunks = chunkText("#\n\nbody", { size: 300, overlap: 50 });
    expect(chunks.map((c) => [c.heading, c.text])).toEqual([[null, "#\n\nbody"]]);
  });

  it("handles Windows line endings and keeps offsets exact", () => {
    const source = "# Título\r\n\r\nPrimeiro parágrafo.\r\n\r\n## Outro\r\n\r\nSegundo.\r\n";
    const chunks = chunkText(source, { size: 300, overlap: 50 });
    expect(chunks.map((c) => [c.heading, c.text])).toEqual([
      ["Título", "# Título\r\n\r\nPrimeiro parágrafo."],
      ["Outro", "## Outro\r\n\r\nSegundo."],
    ]);
  });

  it("is deterministic", () => {
    expect(chunkText(MARKDOWN, { size: 40, overlap: 10 })).toEqual(chunkText(MARKDOWN, { size: 40, overlap: 10 }));
  });
});
