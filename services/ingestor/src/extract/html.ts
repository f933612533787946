import { convert, type FormatCallback } from "html-to-text";
import type { ExtractedText } from "./extracted.js";

/** `<h1>`…`<h6>` become Markdown headings, so the chunker sees the document's sections. */
const heading =
  (level: number): FormatCallback =>
  (elem, walk, builder) => {
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.addInline(`${"#".repeat(level)} `);
    walk(elem.children, builder);
    builder.closeBlock({ trailingLineBreaks: 2 });
  };

const HEADINGS = [1, 2, 3, 4, 5, 6] as const;

/** HTML (a web page, or a DOCX converted by mammoth) to text with `html-to-text`: no scripts, styles, images or link targets. */
export function htmlToText(html: string): ExtractedText {
  const text = convert(html, {
    wordwrap: false,
    formatters: Object.fromEntries(HEADINGS.map((n) => [`h${n}`, heading(n)])),
    selectors: [
      ...HEADINGS.map((n) => ({ selector: `h${n}`, format: `h${n}` })),
      { selector: "a", options: { ignoreHref: true } },
      { selector: "img", format: "skip" },
      { selector: "script", format: "skip" },
      { selector: "style", format: "skip" },
      { selector: "nav", format: "skip" },
    ],
  });
  return { text, pageStarts: null, pageCount: null };
}
