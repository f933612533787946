import { describe, expect, it } from "vitest";
import { chunkText } from "./chunk-text.js";
import { createTokenCounter } from "./tokenizer.js";

/** A small seeded generator, so every run checks the same inputs. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = [
  "word",
  "palavra",
  "ação",
  "x",
  "🙂",
  "C++",
  "3.14",
  "end.",
  "Why?",
  "ok!",
  "\n",
  "\n\n",
  "\r\n",
  "  ",
  "\t",
];
const LINE_STARTS = ["# ", "## Título ", "### ", "```", "~~~", "- ", "> ", "    "];

function randomText(next: () => number): string {
  const parts: string[] = [];
  const length = Math.floor(next() * 400);
  for (let i = 0; i < length; i++) {
    if (next() < 0.05) parts.push(`\n${LINE_STARTS[Math.floor(next() * LINE_STARTS.length)]}`);
    else if (next() < 0.02) parts.push("y".repeat(Math.floor(next() * 700)));
    else parts.push(PIECES[Math.floor(next() * PIECES.length)] ?? "", next() < 0.7 ? " " : "");
  }
  return parts.join("");
}

describe("chunkText on random text", () => {
  it("always gives non-empty chunks within the token size, matching their source slice, covering all the text", () => {
    const count = createTokenCounter();
    const next = random(42);
    for (let run = 0; run < 300; run++) {
      const source = randomText(next);
      const size = 5 + Math.floor(next() * 100);
      const overlap = Math.floor(next() * size);
      const chunks = chunkText(source, { size, overlap, count });
      const covered = new Uint8Array(source.length);
      for (const c of chunks) {
        const ok = c.text === source.slice(c.start, c.end) && c.text.trim() === c.text && c.text.length > 0;
        if (!ok || c.tokens > size || c.tokens !== count(c.text)) {
          expect({ run, chunk: c, size }).toBe("a well-formed chunk");
        }
        covered.fill(1, c.start, c.end);
      }
      const missed = [...source.matchAll(/\S/gu)].filter((m) => covered[m.index] !== 1).map((m) => m.index);
      expect(missed, `run ${run}`).toEqual([]);
    }
  });
});
