import type { DocumentSummary } from "@ai-jobs/contracts";

/** Writes a document's summary from its extracted text. */
export interface Summarizer {
  summarize(text: string, opts: { filename: string; signal: AbortSignal }): Promise<DocumentSummary>;
}
