import type { DocumentKind } from "@ai-jobs/contracts";
import { extractDocx } from "./docx.js";
import { type ExtractedText, unreadable } from "./extracted.js";
import { htmlToText } from "./html.js";
import { extractPdf } from "./pdf.js";
import { decodeText } from "./text.js";

export interface ExtractOptions {
  signal: AbortSignal;
  /** Zip-bomb guard for DOCX. */
  maxDecompressedBytes: number;
}

/** The text of a file of a known kind. Fails for good when there is no text in it at all. */
export async function extractDocument(
  kind: DocumentKind,
  bytes: Uint8Array,
  filename: string,
  opts: ExtractOptions,
): Promise<ExtractedText> {
  const extracted = await extractByKind(kind, bytes, filename, opts);
  if (extracted.text.trim() === "") throw unreadable(`${filename} has no text to ingest`);
  return extracted;
}

function extractByKind(kind: DocumentKind, bytes: Uint8Array, filename: string, opts: ExtractOptions) {
  switch (kind) {
    case "pdf":
      return extractPdf(bytes, filename, opts.signal);
    case "docx":
      return extractDocx(bytes, filename, opts.maxDecompressedBytes, opts.signal);
    case "html":
      return htmlToText(decodeText(bytes, filename).text, { filename, signal: opts.signal });
    case "markdown":
    case "text":
      return decodeText(bytes, filename);
    default:
      throw unreadable(`${filename}: unsupported kind ${String(kind satisfies never)}`);
  }
}
