import { getDocumentProxy } from "unpdf";
import { type ExtractedText, unreadable } from "./extracted.js";

export interface TextItemLike {
  str?: unknown;
  hasEOL?: unknown;
}

/**
 * Text of a PDF, page by page, with pdf.js (through `unpdf`, which ships a serverless build of it). Pages are read
 * one at a time and released (`page.cleanup()`), so memory holds the file, its text and one page. Images are never
 * decoded. A PDF that pdf.js cannot open fails for good; so does one with pages but no text at all: a scan, whose
 * text would need OCR.
 */
export async function extractPdf(bytes: Uint8Array, filename: string, signal: AbortSignal): Promise<ExtractedText> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js takes ownership of (detaches) the buffer it is given: hand it a view it may keep.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, stopAtErrors: false });
  } catch (err) {
    throw unreadable(`${filename} is not a readable PDF: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  try {
    const parts: string[] = [];
    const pageStarts: number[] = [];
    let length = 0;
    for (let n = 1; n <= pdf.numPages; n++) {
      signal.throwIfAborted();
      const page = await pdf.getPage(n);
      const content = await page.getTextContent();
      const text = pageText(content.items as TextItemLike[]);
      page.cleanup();
      if (n > 1) {
        parts.push("\n\n");
        length += 2;
      }
      pageStarts.push(length);
      parts.push(text);
      length += text.length;
    }
    const text = parts.join("");
    if (text.trim() === "") {
      throw unreadable(
        `${filename} has ${pdf.numPages} page(s) but no text layer (a scanned PDF?); OCR is not supported, upload a PDF with text`,
      );
    }
    return { text, pageStarts, pageCount: pdf.numPages };
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

/** pdf.js text items in reading order; `hasEOL` marks line ends, blank lines between paragraphs are kept. */
export function pageText(items: TextItemLike[]): string {
  let out = "";
  for (const item of items) {
    if (typeof item.str === "string") out += item.str;
    if (item.hasEOL === true) out += "\n";
  }
  return spacesBeforeLineEndsRemoved(out).trim();
}

/**
 * Spaces and tabs before each `\n` dropped. A loop rather than `replace(/[ \t]+\n/g, "\n")`, which rescans a run of
 * spaces from each of its characters when no `\n` follows: quadratic, seconds for a page of 200,000 spaces.
 */
export function spacesBeforeLineEndsRemoved(text: string): string {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i] as string;
    let end = line.length;
    while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
    if (end < line.length) lines[i] = line.slice(0, end);
  }
  return lines.join("\n");
}
