import { inflateRawSync } from "node:zlib";
import { unreadable } from "./extracted.js";

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * Refuses a ZIP (a DOCX) that decompresses to more than `maxBytes` in total, before any library inflates it: a
 * zip bomb. The sizes in the ZIP's directory can lie, so every entry is actually inflated, with zlib's
 * `maxOutputLength` set to what is left of the budget: inflation stops at the limit instead of filling memory.
 * Only stored (0) and deflated (8) entries are accepted, as Word writes them.
 */
export function assertZipWithinLimit(zip: Uint8Array, filename: string, maxBytes: number): void {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = findEocd(buf);
  if (eocd < 0) throw unreadable(`${filename} is not a valid DOCX (no ZIP directory)`);
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  let budget = maxBytes;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CENTRAL)
      throw unreadable(`${filename}: corrupt ZIP directory`);
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL)
      throw unreadable(`${filename}: corrupt ZIP entry`);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataStart, dataStart + compressed);
    let size: number;
    if (method === 0) size = data.length;
    else if (method === 8) {
      try {
        size = inflateRawSync(data, { maxOutputLength: Math.max(1, budget) }).length;
      } catch (err) {
        if (err instanceof RangeError || (err as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
          throw tooLarge(filename, maxBytes);
        }
        throw unreadable(`${filename}: corrupt ZIP entry`, err);
      }
    } else throw unreadable(`${filename}: unsupported ZIP compression method ${method}`);
    budget -= size;
    if (budget < 0) throw tooLarge(filename, maxBytes);
    at = next;
  }
}

const tooLarge = (filename: string, maxBytes: number) =>
  unreadable(`${filename} decompresses to more than ${maxBytes} bytes (a zip bomb?); refused`);

function findEocd(buf: Buffer): number {
  // The end record is 22 bytes plus a comment of up to 65,535 bytes.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65_535); i--) {
    if (buf.readUInt32LE(i) === EOCD) return i;
  }
  return -1;
}
