import { runInSlices, runToEnd, type SliceOptions, type Steps } from "../time-slices.js";
import { atxHeadingTitle } from "./atx-heading.js";
import { MAX_TOKEN_CHARS, type TokenCounter } from "./tokenizer.js";

export interface ChunkOptions {
  /** Largest chunk, in tokens (as `count` counts them). */
  size: number;
  /** Tokens of the previous chunk repeated at the start of the next one, within a section (about: see `pack`). */
  overlap: number;
  count: TokenCounter;
}

export interface TextChunk {
  /** Always `source.slice(start, end)`: never empty, no leading or trailing whitespace. */
  text: string;
  /** The nearest Markdown heading above the chunk, or null before the first one. */
  heading: string | null;
  /** UTF-16 offsets into the source. */
  start: number;
  end: number;
  /** `count(text)`: never more than `size`. */
  tokens: number;
}

interface Span {
  start: number;
  end: number;
}

interface Section {
  heading: string | null;
  blocks: Span[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/**
 * A run of `.!?…` and closing quotes or brackets, with the whitespace after it: a sentence end when that whitespace
 * is there. The whitespace is optional so that a match never fails once started: `[.!?…]+["'”’)\]]*\s+` rescanned a
 * long run with no whitespace after it from each of its characters (quadratic: 200,000 dots took seconds).
 */
const PUNCTUATION_RUN = /[.!?…]+["'”’)\]]*\s*/gu;
/** JavaScript's `\s`, by code: called for every character of a block, where a regex test per character is slow. */
function isSpaceCode(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
const isSpaceAt = (source: string, at: number) => at >= 0 && at < source.length && isSpaceCode(source.charCodeAt(at));

/**
 * Splits text (plain or Markdown) into chunks for retrieval, measured in tokens. A heading starts a section, and
 * chunks never cross sections, so each has one heading. Within a section, blank-line paragraphs are packed into
 * chunks of at most `size` tokens; a paragraph too long for one chunk is split at sentence ends, then between words,
 * then (a word with no spaces) into slices. Each chunk after the first of a section starts about `overlap` tokens
 * back, at a word start. Pure and deterministic.
 */
export function chunkText(source: string, opts: ChunkOptions): TextChunk[] {
  return runToEnd(chunkSteps(source, opts));
}

/** `chunkText` without holding the event loop for more than about `slice.sliceMs` at a time (see `runInSlices`). */
export function chunkTextInSlices(source: string, opts: ChunkOptions, slice: SliceOptions): Promise<TextChunk[]> {
  return runInSlices(chunkSteps(source, opts), slice);
}

/**
 * `chunkText` as steps of bounded work (a line, a sentence, a word, a unit of at most `size` tokens), for
 * `runInSlices`: the ingestor chunks a large document without holding the event loop.
 */
export function* chunkSteps(source: string, opts: ChunkOptions): Steps<TextChunk[]> {
  const size = Math.max(3, Math.floor(opts.size));
  // More overlap than half a chunk would make chunks mostly repeats, and could stall progress.
  const overlap = Math.min(Math.max(0, Math.floor(opts.overlap)), Math.floor(size / 2));
  const chunks: TextChunk[] = [];
  for (const section of yield* sectionsOf(source)) {
    const units: Span[] = [];
    for (const block of section.blocks) {
      yield;
      for (const unit of yield* splitOversized(source, block, size, opts.count)) units.push(unit);
    }
    for (const { start, end, tokens } of yield* pack(source, units, size, overlap, opts.count)) {
      chunks.push({ text: source.slice(start, end), heading: section.heading, start, end, tokens });
    }
  }
  return chunks;
}

/** Sections at ATX headings (`# …` to `###### …`); blocks are blank-line paragraphs. Fenced code is one block. */
function* sectionsOf(source: string): Steps<Section[]> {
  const sections: Section[] = [{ heading: null, blocks: [] }];
  let current = sections[0] as Section;
  let block: Span | undefined;
  let fence: string | undefined;
  const close = function* () {
    if (block) {
      const trimmed = yield* trim(source, block);
      if (trimmed) current.blocks.push(trimmed);
    }
    block = undefined;
  };
  const extend = (start: number, end: number) => {
    if (block) block.end = end;
    else block = { start, end };
  };

  for (let start = 0; start < source.length; ) {
    const newline = source.indexOf("\n", start);
    const end = newline === -1 ? source.length : newline;
    const line = source.slice(start, source.charCodeAt(end - 1) === 0x0d && end > start ? end - 1 : end);
    const fenceMark = FENCE.exec(line)?.[1];
    const heading = fence === undefined && fenceMark === undefined ? atxHeadingTitle(line) : undefined;
    if (fence !== undefined) {
      extend(start, end);
      const closes =
        fenceMark !== undefined && fenceMark.charAt(0) === fence.charAt(0) && fenceMark.length >= fence.length;
      if (closes) fence = undefined;
    } else if (fenceMark !== undefined) {
      fence = fenceMark;
      extend(start, end);
    } else if (heading !== undefined) {
      yield* close();
      current = { heading, blocks: [] };
      sections.push(current);
      extend(start, end);
      yield* close();
    } else if ((yield* trim(source, { start, end })) === undefined) {
      yield* close();
    } else {
      extend(start, end);
    }
    start = end + 1;
    yield;
  }
  yield* close();
  return sections.filter((s) => s.blocks.length > 0);
}

/** The span without leading and trailing whitespace (undefined when blank), a step per 64 Ki characters. */
function* trim(source: string, span: Span): Steps<Span | undefined> {
  let { start, end } = span;
  while (start < end && isSpaceAt(source, start)) if ((++start & 0xffff) === 0) yield;
  while (end > start && isSpaceAt(source, end - 1)) if ((--end & 0xffff) === 0) yield;
  return start < end ? { start, end } : undefined;
}

const fits = (source: string, span: Span, size: number, count: TokenCounter) =>
  // A UTF-16 unit is at most 3 UTF-8 bytes, so at most 3 tokens: short spans need no counting. A token is at most
  // MAX_TOKEN_CHARS units: a long span cannot fit, and is not counted (a megabyte would hold the loop for a while).
  (span.end - span.start) * 3 <= size ||
  (span.end - span.start <= size * MAX_TOKEN_CHARS && count(source.slice(span.start, span.end)) <= size);

/** A block over `size` tokens becomes sentences; a sentence over `size` becomes words, then slices. */
function* splitOversized(source: string, block: Span, size: number, count: TokenCounter): Steps<Span[]> {
  if (fits(source, block, size, count)) return [block];
  const units: Span[] = [];
  for (const sentence of yield* sentencesOf(source, block)) {
    yield;
    if (fits(source, sentence, size, count)) {
      units.push(sentence);
      continue;
    }
    for (const word of source.slice(sentence.start, sentence.end).matchAll(/\S+/gu)) {
      yield;
      const start = sentence.start + word.index;
      const span = { start, end: start + word[0].length };
      if (fits(source, span, size, count)) units.push(span);
      else for (const slice of slices(source, span, Math.floor(size / 3))) units.push(slice);
    }
  }
  return units;
}

function* sentencesOf(source: string, block: Span): Steps<Span[]> {
  const text = source.slice(block.start, block.end);
  const sentences: Span[] = [];
  let from = 0;
  for (const m of text.matchAll(PUNCTUATION_RUN)) {
    if (!isSpaceCode(m[0].charCodeAt(m[0].length - 1))) continue;
    const cut = m.index + m[0].length;
    const span = yield* trim(source, { start: block.start + from, end: block.start + cut });
    if (span) sentences.push(span);
    from = cut;
    yield;
  }
  const rest = yield* trim(source, { start: block.start + from, end: block.end });
  if (rest) sentences.push(rest);
  return sentences;
}

/**
 * Fixed-size slices (in UTF-16 units) of a word with no space to split at, never between the halves of a surrogate
 * pair. `size / 3` units are at most `size` tokens.
 */
function slices(source: string, word: Span, size: number): Span[] {
  const out: Span[] = [];
  let start = word.start;
  while (start < word.end) {
    let end = Math.min(word.end, start + size);
    const code = source.charCodeAt(end - 1);
    if (end < word.end && end - 1 > start && code >= 0xd800 && code <= 0xdbff) end -= 1;
    out.push({ start, end });
    start = end;
  }
  return out;
}

/**
 * Greedy packing of units (each at most `size` tokens) into chunks of at most `size` tokens. Unit costs are counted
 * once and added up (plus one token per gap) to find where a chunk ends; the chunk is then counted exactly and
 * shrunk in the rare case the sum was optimistic, so `tokens <= size` always holds. The next chunk starts at the
 * first word start within about the last `overlap` tokens (converted to characters at the chunk's own
 * characters-per-token rate) that still leaves room for the next unit.
 */
function* pack(
  source: string,
  units: Span[],
  size: number,
  overlap: number,
  count: TokenCounter,
): Steps<Array<Span & { tokens: number }>> {
  const chunks: Array<Span & { tokens: number }> = [];
  const first = units[0];
  if (!first) return chunks;
  const cost: number[] = [];
  for (const u of units) {
    cost.push(count(source.slice(u.start, u.end)));
    yield;
  }
  const tokensOf = (start: number, end: number) => count(source.slice(start, end));
  let chunkStart = first.start;
  let i = 0;
  while (i < units.length) {
    const unit = units[i] as Span;
    let estimate = chunkStart < unit.start ? tokensOf(chunkStart, unit.end) : (cost[i] as number);
    if (estimate > size) {
      chunkStart = unit.start; // the overlap did not fit after all
      estimate = cost[i] as number;
    }
    let j = i;
    while (j + 1 < units.length && estimate + (cost[j + 1] as number) + 1 <= size) {
      estimate += (cost[j + 1] as number) + 1;
      j++;
    }
    let end = (units[j] as Span).end;
    let tokens = tokensOf(chunkStart, end);
    if (tokens > size && j > i) {
      // The sum was optimistic: the last unit that still fits, by bisection (counts grow with the text), not one
      // unit at a time, which recounted the chunk per unit (seconds on a document of short lines between blank ones).
      let fitting = i;
      let over = j;
      while (over - fitting > 1) {
        const mid = (fitting + over) >> 1;
        if (tokensOf(chunkStart, (units[mid] as Span).end) <= size) fitting = mid;
        else over = mid;
        yield;
      }
      j = fitting;
      end = (units[j] as Span).end;
      tokens = tokensOf(chunkStart, end);
    }
    chunks.push({ start: chunkStart, end, tokens });
    const next = units[j + 1];
    if (!next) break;
    const charsPerToken = (end - chunkStart) / Math.max(1, tokens);
    const room = Math.max(0, size - (cost[j + 1] as number) - 1);
    const back = Math.floor(Math.min(overlap, room) * charsPerToken);
    chunkStart = back > 0 ? (wordStart(source, Math.max(end - back, chunkStart + 1), end) ?? next.start) : next.start;
    i = j + 1;
    yield;
  }
  return chunks;
}

function wordStart(source: string, from: number, to: number): number | undefined {
  for (let p = from; p < to; p++) {
    if (!isSpaceAt(source, p) && (p === 0 || isSpaceAt(source, p - 1))) return p;
  }
  return undefined;
}
