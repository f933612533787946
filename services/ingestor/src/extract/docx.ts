import mammoth from "mammoth";
import { type ExtractedText, unreadable } from "./extracted.js";
import { htmlToText } from "./html.js";
import { assertZipWithinLimit } from "./zip-guard.js";

/**
 * DOCX with `mammoth` (semantic HTML: headings stay headings), then to text like any HTML. The ZIP is checked
 * first for its real decompressed size, so a zip bomb is refused before mammoth inflates it.
 */
export async function extractDocx(
  bytes: Uint8Array,
  filename: string,
  maxDecompressedBytes: number,
  signal: AbortSignal,
): Promise<ExtractedText> {
  assertZipWithinLimit(bytes, filename, maxDecompressedBytes);
  let html: string;
  try {
    ({ value: html } = await mammoth.convertToHtml({
      buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    }));
  } catch (err) {
    throw unreadable(`${filename} is not a readable DOCX: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return htmlToText(html, { filename, signal });
}
