import { Readable } from "node:stream";
import { type DocumentKind, MEDIA_TYPE_OF_KIND } from "@ai-jobs/contracts";
import { SNIFF_BYTES, sniffDocumentKind } from "@ai-jobs/retrieval";
import { invalid, unsupportedMediaType } from "@ai-jobs/runtime";

export interface SniffedUpload {
  kind: DocumentKind;
  /** The content type stored for the file: from its kind, never the client's header. */
  contentType: string;
  /** The whole file again (the sniffed head, then the rest as it arrives), still streamed. */
  content: Readable;
}

/**
 * Reads only the first SNIFF_BYTES of an upload to decide its kind from its content (PDF and DOCX by signature,
 * HTML, Markdown and text by heuristics), then hands back a stream of the whole file. An empty file is a 400,
 * a kind we do not ingest (an image, a ZIP, an executable, even when named `.pdf`) a 415.
 */
export async function sniffUpload(content: Readable, filename: string): Promise<SniffedUpload> {
  const iterator = content[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    size += next.value.length;
  }
  const first = Buffer.concat(head);
  if (first.length === 0) throw invalid("file", "the file is empty");
  const kind = await sniffDocumentKind(first.subarray(0, SNIFF_BYTES), filename);
  if (!kind) {
    content.resume();
    throw unsupportedMediaType(
      "the file is not a PDF, DOCX, HTML, Markdown or plain-text file (judged by its content)",
    );
  }
  async function* whole(): AsyncGenerator<Buffer> {
    yield first;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { kind, contentType: MEDIA_TYPE_OF_KIND[kind], content: Readable.from(whole(), { objectMode: false }) };
}

const FILENAME_MAX = 200;

/**
 * A safe display name for an uploaded file: the last path segment only, Unicode NFC, no control or
 * path/shell-special characters, no leading dots, at most 200 characters; the fallback when nothing is left.
 */
export function cleanFilename(filename: string, fallback: string): string {
  const base = (filename.split(/[\\/]/).pop() ?? "").normalize("NFC");
  const cleaned = base
    .replace(/[\p{Cc}\p{Cf}]/gu, "")
    .replace(/[<>:"|?*]/g, "_")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^\.+/, "");
  return (cleaned || fallback).slice(0, FILENAME_MAX);
}
