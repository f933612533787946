import type { DocumentKind } from "@ai-jobs/contracts";
import { fileTypeFromBuffer } from "file-type";

/** Bytes of the start of a file that decide its kind (the whole file is not needed, and never buffered). */
export const SNIFF_BYTES = 64 * 1024;

const MARKDOWN_NAME = /\.(?:md|markdown|mdown|mkd)$/i;
const HTML_START = /^(?:\s|<!--[\s\S]*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html|head|body)\b/i;
const MARKDOWN_HEADING = /^ {0,3}#{1,6}[ \t]+\S/m;

/**
 * The kind of a file from its first bytes, or undefined when it is none of the kinds the platform ingests.
 * Binary formats by their signature (`file-type`: `%PDF-`; a ZIP whose entries are a Word document), text by
 * heuristics: no NUL bytes (unless a UTF-16 BOM says so) and few control characters; then HTML by its opening
 * tags, Markdown by its file name or an ATX heading; otherwise plain text. The name never makes a binary file text.
 */
export async function sniffDocumentKind(head: Uint8Array, filename: string): Promise<DocumentKind | undefined> {
  if (head.length === 0) return undefined;
  const detected = await fileTypeFromBuffer(head).catch(() => undefined);
  if (detected) {
    if (detected.ext === "pdf") return "pdf";
    if (detected.ext === "docx") return "docx";
    // Everything else file-type knows (PNG, ZIP, XLSX, EXE, …) is binary we do not read; XML/HTML it does not report.
    if (detected.mime !== "application/xml") return undefined;
  }
  if (!looksLikeText(head)) return undefined;
  const start = new TextDecoder("utf-8", { fatal: false }).decode(head.subarray(0, 4_096)).replace(/^\uFEFF/, "");
  if (HTML_START.test(start)) return "html";
  if (MARKDOWN_NAME.test(filename) || MARKDOWN_HEADING.test(start)) return "markdown";
  return "text";
}

/** UTF-16 with a BOM, or bytes with no NUL and under 5% C0 control characters (tab, CR, LF, FF and ESC allowed). */
export function looksLikeText(head: Uint8Array): boolean {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return true;
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return false;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b) control++;
  }
  return control <= head.length * 0.05;
}
