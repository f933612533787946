import { ERROR_CODES } from "@ai-jobs/contracts";
import { PermanentError } from "@ai-jobs/runtime";

/** A document's text, as one string, with where each page starts (PDF only). */
export interface ExtractedText {
  text: string;
  /** UTF-16 offset in `text` where page i+1 starts; null for kinds without pages. */
  pageStarts: number[] | null;
  pageCount: number | null;
}

/** 1-based page holding `offset`, or null when the document has no pages. */
export function pageAt(extracted: Pick<ExtractedText, "pageStarts">, offset: number): number | null {
  const starts = extracted.pageStarts;
  if (!starts || starts.length === 0) return null;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The file cannot be read as what it claims to be: retrying cannot change that. */
export const unreadable = (message: string, cause?: unknown): PermanentError =>
  new PermanentError(ERROR_CODES.unsupportedMediaType, message, { cause });
