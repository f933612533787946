import type { DocumentKind } from "@ai-jobs/contracts";
import { fileTypeFromBuffer } from "file-type";

/** Bytes of the start of a file that decide its kind (the whole file is not needed, and never buffered). */
export const SNIFF_BYTES = 64 * 1024;

const MARKDOWN_NAME = /\.(?:md|markdown|mdown|mkd)$/i;
const HTML_TAG = /<(?:!doctype\s+html|html|head|body)\b/iy;
const SPACE = /\s/y;
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
  if (startsLikeHtml(start)) return "html";
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

/**
 * Whether text opens with `<!doctype html>`, `<html>`, `<head>` or `<body>`, after any whitespace, comments and
 * `<?xml …?>` declarations. A scan rather than one regular expression: `(?:<!--[\s\S]*?-->)*` backtracks
 * exponentially on a run of `<!---->` (each comment may end at any later `-->`); here each comment ends at the first
 * `-->`, as in HTML, and every character is looked at a bounded number of times.
 */
export function startsLikeHtml(text: string): boolean {
  let at = 0;
  for (;;) {
    SPACE.lastIndex = at;
    if (SPACE.test(text)) {
      at += 1;
    } else if (text.startsWith("<!--", at)) {
      const end = text.indexOf("-->", at + 4);
      if (end === -1) return false;
      at = end + 3;
    } else if (text.slice(at, at + 5).toLowerCase() === "<?xml") {
      const end = text.indexOf(">", at + 5);
      if (end === -1) return false;
      at = end + 1;
    } else {
      HTML_TAG.lastIndex = at;
      return HTML_TAG.test(text);
    }
  }
}
