import { describe, expect, it } from "vitest";
import { pageText } from "./pdf.js";

describe("PDF page text", () => {
  it("drops spaces and tabs before line ends, keeps blank lines, trims the page", () => {
    const items = [{ str: "  Title \t" }, { str: "", hasEOL: true }, { str: "", hasEOL: true }, { str: "Body  " }];
    expect(pageText(items)).toBe("Title\n\nBody");
    expect(pageText([{ str: "a  b", hasEOL: true }, { str: "c" }])).toBe("a  b\nc");
  });

  it("cleans a page of 60,000 spaces with no line end in linear time (the regex took seconds)", () => {
    const started = performance.now();
    expect(pageText([{ str: `a${" ".repeat(60_000)}b` }, { str: `${" ".repeat(60_000)}`, hasEOL: true }])).toBe(
      `a${" ".repeat(60_000)}b`,
    );
    expect(performance.now() - started).toBeLessThan(200);
  });
});
