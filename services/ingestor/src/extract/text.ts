import chardet from "chardet";
import iconv from "iconv-lite";
import { type ExtractedText, unreadable } from "./extracted.js";

/**
 * Plain text or Markdown in any common encoding: a BOM decides first, then strict UTF-8, then `chardet`'s guess
 * (Windows-1252, ISO-8859-x, Shift_JIS, …) decoded with `iconv-lite`. NUL bytes left after decoding mean binary.
 */
export function decodeText(bytes: Uint8Array, filename: string): ExtractedText {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let text: string;
  if (buf[0] === 0xff && buf[1] === 0xfe) text = iconv.decode(buf, "utf-16le");
  else if (buf[0] === 0xfe && buf[1] === 0xff) text = iconv.decode(buf, "utf-16be");
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(buf);
    } catch {
      const encoding = chardet.detect(buf.subarray(0, 256 * 1024));
      if (!encoding || !iconv.encodingExists(encoding)) throw unreadable(`${filename}: unknown text encoding`);
      text = iconv.decode(buf, encoding);
    }
  }
  text = text.replace(/^\uFEFF/, "");
  if (text.includes("\u0000")) throw unreadable(`${filename} looks binary, not text`);
  return { text, pageStarts: null, pageCount: null };
}
