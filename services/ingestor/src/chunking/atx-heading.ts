/**
 * An ATX heading line (`# Title`, `## Title ##`, up to six `#`, at most three spaces before), without its line break.
 * Only the opening is a regular expression, and a linear one; the title is cut out by hand: the former single
 * pattern `^ {0,3}#{1,6}(?:[ \t]+(.*?))?[ \t]*$` took cubic time on a long heading line of spaces.
 */
const ATX_OPENING = /^ {0,3}#{1,6}(?:[ \t](.*))?$/;

const ONLY_HASHES = /^#+$/;

const isSpaceOrTab = (code: number) => code === 0x20 || code === 0x09;

/** The heading's title (null when it has none, as in `#` or `## ##`), or undefined when the line is no heading. */
export function atxHeadingTitle(line: string): string | null | undefined {
  const match = ATX_OPENING.exec(line);
  if (!match) return undefined;
  let title = spacesAndTabsTrimmed(match[1] ?? "");
  // A closing sequence (spaces or tabs, then only `#` to the end) is dropped; so is a title of `#` only.
  let hashes = title.length;
  while (hashes > 0 && title.charCodeAt(hashes - 1) === 0x23) hashes--;
  if (hashes > 0 && hashes < title.length && isSpaceOrTab(title.charCodeAt(hashes - 1))) {
    title = spacesAndTabsTrimmed(title.slice(0, hashes));
  }
  if (ONLY_HASHES.test(title)) title = "";
  title = title.trim();
  return title.length > 0 ? title : null;
}

function spacesAndTabsTrimmed(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpaceOrTab(text.charCodeAt(start))) start++;
  while (end > start && isSpaceOrTab(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}
