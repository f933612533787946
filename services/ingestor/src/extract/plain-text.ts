import { ERROR_CODES } from "@ai-jobs/contracts";
import { PermanentError } from "@ai-jobs/runtime";

const TEXT_TYPES = new Set(["text/plain", "text/markdown", "text/x-markdown"]);
/** Browsers often upload Markdown as a generic binary type: then the file name decides. */
const GENERIC_TYPES = new Set(["", "application/octet-stream", "binary/octet-stream"]);
const TEXT_EXTENSIONS = /\.(?:txt|text|md|markdown|mdown|mkd)$/i;
const UTF8_CHARSETS = new Set(["utf-8", "utf8", "us-ascii", "ascii"]);

/** Fails the job for good unless the file is plain text or Markdown in UTF-8 (the only kinds this version reads). */
export function assertSupportedText(contentType: string, filename: string): void {
  const [type = "", ...params] = contentType.split(";").map((p) => p.trim().toLowerCase());
  const charset = params
    .find((p) => p.startsWith("charset="))
    ?.slice("charset=".length)
    .replace(/"/g, "");
  const textType = TEXT_TYPES.has(type) || (GENERIC_TYPES.has(type) && TEXT_EXTENSIONS.test(filename));
  if (!textType) {
    throw new PermanentError(
      ERROR_CODES.unsupportedMediaType,
      `cannot ingest ${filename} (${contentType}): only text/plain and Markdown are supported`,
    );
  }
  if (charset !== undefined && !UTF8_CHARSETS.has(charset)) {
    throw new PermanentError(
      ERROR_CODES.unsupportedMediaType,
      `cannot ingest ${filename}: charset ${charset} is not UTF-8`,
    );
  }
}

/** Strict UTF-8 (a leading BOM is dropped). Invalid bytes or NULs mean the file is not text: a permanent failure. */
export function decodeText(bytes: Uint8Array, filename: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    throw new PermanentError(ERROR_CODES.unsupportedMediaType, `${filename} is not valid UTF-8 text`, { cause: err });
  }
  if (text.includes("\u0000")) throw new PermanentError(ERROR_CODES.unsupportedMediaType, `${filename} looks binary`);
  return text;
}
