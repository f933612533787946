import { describe, expect, it } from "vitest";
import { sniffDocumentKind, startsLikeHtml } from "./document-kind.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("sniffDocumentKind", () => {
  it("tells HTML after whitespace, comments and an XML declaration, then Markdown, then text", async () => {
    expect(await sniffDocumentKind(bytes("<!DOCTYPE html><p>hi</p>"), "a.txt")).toBe("html");
    expect(await sniffDocumentKind(bytes("\n  <!-- a -->\n<!-- b --><HTML lang=en>"), "a.txt")).toBe("html");
    expect(await sniffDocumentKind(bytes("<?xml version='1.0'?>\n<html>"), "a.txt")).toBe("html");
    expect(await sniffDocumentKind(bytes("<body>"), "a.txt")).toBe("html");
    expect(await sniffDocumentKind(bytes("<htmlx>"), "a.txt")).toBe("text");
    expect(await sniffDocumentKind(bytes("<!-- never closed <html>"), "a.txt")).toBe("text");
    expect(await sniffDocumentKind(bytes("# Title\n\nbody"), "a.txt")).toBe("markdown");
    expect(await sniffDocumentKind(bytes("plain words"), "notes.md")).toBe("markdown");
    expect(await sniffDocumentKind(bytes("plain words"), "a.txt")).toBe("text");
  });

  it("ends a comment at its first -->, as HTML does", () => {
    expect(startsLikeHtml("<!-- a --> <html>")).toBe(true);
    expect(startsLikeHtml("<!-- a --> text --> <html>")).toBe(false);
  });

  it("sniffs a run of empty comments in linear time (it backtracked exponentially: seconds for 28 of them)", async () => {
    // 580 comments still fit in the 4 KiB that HTML sniffing reads.
    for (const head of ["<!---->".repeat(28), "<!---->".repeat(580)]) {
      const started = performance.now();
      expect(await sniffDocumentKind(bytes(`${head}x`), "a.txt")).toBe("text");
      expect(await sniffDocumentKind(bytes(`${head}<html>`), "a.txt")).toBe("html");
      expect(performance.now() - started).toBeLessThan(200);
    }
  });
});
