import { Transform, type TransformCallback } from "node:stream";
import { invalid, unsupportedMediaType } from "./errors.js";

/** What the ingestor can read today: plain text and Markdown. */
const TEXT_EXTENSIONS: Readonly<Record<string, string>> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".markdown": "text/markdown",
};
const TEXT_MEDIA_TYPES = new Set(["text/plain", "text/markdown", "text/x-markdown"]);

const extensionOf = (filename: string): string => {
  const dot = filename.lastIndexOf(".");
  return dot > 0 ? filename.slice(dot).toLowerCase() : "";
};
const mediaTypeOf = (contentType: string): string => (contentType.split(";")[0] ?? "").trim().toLowerCase();

/**
 * The content type to store for an accepted upload, or undefined when the file is not plain text or Markdown.
 * The file name decides first (browsers and curl often send `application/octet-stream` for `.md`), then the
 * declared content type.
 */
export function textContentType(filename: string, contentType: string): string | undefined {
  const byName = TEXT_EXTENSIONS[extensionOf(filename)];
  if (byName) return byName;
  const media = mediaTypeOf(contentType);
  if (!TEXT_MEDIA_TYPES.has(media)) return undefined;
  return media === "text/x-markdown" ? "text/markdown" : media;
}

/** How much of the start of a file is checked for binary content. */
const SNIFF_BYTES = 8 * 1024;

/**
 * Passes an uploaded text file through unchanged, and fails the stream (so the object store drops what it wrote)
 * when the file is empty, or when its first bytes hold a NUL byte: a renamed binary (a `.exe` sent as `notes.txt`)
 * is refused before it reaches the ingestor.
 */
export function checkedText(): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      if (seen < SNIFF_BYTES && chunk.subarray(0, SNIFF_BYTES - seen).includes(0)) {
        callback(unsupportedMediaType("the file is binary; only plain text and Markdown files are accepted"));
        return;
      }
      seen += chunk.length;
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      callback(seen === 0 ? invalid("file", "the file is empty") : null);
    },
  });
}
