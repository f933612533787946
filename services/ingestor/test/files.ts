/** Real files made inside the tests: PDFs (pdf-lib), DOCX (docx), and broken ones. */
import { deflateSync } from "node:zlib";
import { Document, HeadingLevel, Packer, Paragraph } from "docx";
import JSZip from "jszip";
import { PDFDocument, rgb, StandardFonts } from "pdf-lib";

/** A PDF with one page per entry, each drawn as real text (a text layer), lines of up to 90 characters. */
export async function pdfWithText(pages: string[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = pdf.addPage([595, 842]);
    let y = 800;
    for (const paragraph of text.split(/\n\n/)) {
      for (const line of wrap(paragraph, 90)) {
        page.drawText(line, { x: 40, y, size: 10, font });
        y -= 14;
      }
      y -= 10;
    }
  }
  return pdf.save();
}

/** A "scanned" PDF: pages with only a drawn rectangle and no text at all. */
export async function pdfWithoutText(pageCount = 2): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  for (let i = 0; i < pageCount; i++) {
    pdf.addPage([595, 842]).drawRectangle({ x: 50, y: 50, width: 400, height: 600, color: rgb(0.2, 0.2, 0.2) });
  }
  return pdf.save();
}

/** A PDF header followed by garbage. */
export const corruptPdf = (): Uint8Array =>
  new Uint8Array(Buffer.concat([Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), Buffer.alloc(2_000, 0x5a)]));

export interface DocxSection {
  heading: string;
  paragraphs: string[];
}

export async function docxOf(sections: DocxSection[]): Promise<Uint8Array> {
  const children = sections.flatMap((s) => [
    new Paragraph({ text: s.heading, heading: HeadingLevel.HEADING_1 }),
    ...s.paragraphs.map((p) => new Paragraph({ text: p })),
  ]);
  return new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children }] })));
}

/** A real DOCX whose word/document.xml is replaced by `decompressedBytes` of XML that compresses to almost nothing. */
export async function zipBombDocx(decompressedBytes: number): Promise<Uint8Array> {
  const zip = await JSZip.loadAsync(await docxOf([{ heading: "Bomb", paragraphs: ["boom"] }]));
  const filler = " ".repeat(decompressedBytes);
  const xml = `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${filler}</w:body></w:document>`;
  zip.file("word/document.xml", xml);
  return zip.generateAsync({ type: "uint8array", compression: "DEFLATE", compressionOptions: { level: 9 } });
}

/** A small valid PNG (1×1), to upload under a `.pdf` name. */
export function png(): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", ihdr),
      chunk("IDAT", deflateSync(Buffer.from([0, 255, 0, 0]))),
      chunk("IEND", Buffer.alloc(0)),
    ]),
  );
}

function crc32(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
