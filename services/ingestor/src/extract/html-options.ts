import type { FormatCallback, HtmlToTextOptions } from "html-to-text";

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

/** `html-to-text` settings: no scripts, styles, images, navigation or link targets; headings as `#` lines. */
export const HTML_TO_TEXT_OPTIONS: HtmlToTextOptions = {
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
};
