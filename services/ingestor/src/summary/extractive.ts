import type { Summarizer } from "./summarizer.js";

const SENTENCE = /[^.!?…\n]+(?:[.!?…]+|\n|$)/gu;
const WORD = /[\p{L}\p{N}]{3,}/gu;
const MAX_SENTENCES = 5;
const MAX_CHARS = 1_000;
/** Sentences read for scoring: the summary of a long document comes from its start. */
const SCAN_CHARS = 200_000;

/**
 * An extractive summary: the sentences whose words are most frequent in the document (a sentence's score is the
 * mean frequency of its words), kept in document order, up to 5 sentences or 1,000 characters. Never empty for a
 * document with any text: at worst its first characters.
 */
export function extractiveSummary(text: string): string {
  const scanned = text.slice(0, SCAN_CHARS);
  const sentences = [...scanned.matchAll(SENTENCE)]
    .map((m, order) => ({ order, text: m[0].replace(/\s+/g, " ").trim() }))
    .filter((s) => (s.text.match(WORD) ?? []).length >= 3);
  const frequency = new Map<string, number>();
  for (const word of scanned.toLowerCase().match(WORD) ?? []) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  const scoreOf = (sentence: string) => {
    const words = sentence.toLowerCase().match(WORD) ?? [];
    return words.reduce((sum, w) => sum + (frequency.get(w) ?? 0), 0) / Math.max(1, words.length);
  };
  const picked = sentences
    .map((s) => ({ ...s, score: scoreOf(s.text) }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, MAX_SENTENCES)
    .sort((a, b) => a.order - b.order);
  let summary = "";
  for (const s of picked) {
    if (summary.length + s.text.length + 1 > MAX_CHARS) break;
    summary = summary ? `${summary} ${s.text}` : s.text;
  }
  return summary || text.replace(/\s+/g, " ").trim().slice(0, MAX_CHARS);
}

export function createExtractiveSummarizer(): Summarizer {
  return {
    async summarize(text) {
      return { text: extractiveSummary(text), kind: "extractive", model: null };
    },
  };
}
