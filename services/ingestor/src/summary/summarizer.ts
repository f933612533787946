import type { DocumentSummary } from "@ai-jobs/contracts";
import type { UsageMeter } from "@ai-jobs/llm";

/** What a summary is written for: the job attempt that asks. */
export interface SummaryCall {
  filename: string;
  /** The job's signal: a cancelled or timed-out job is not summarised. */
  signal: AbortSignal;
  /** Whose daily token budget a model call is checked against. */
  tenantId: string;
  /** The job's attempt: a model failure on its last one ends in the extractive summary instead of a retry. */
  attempt: number;
  /** Receives the usage of every model call. */
  usage: UsageMeter;
}

/** Writes a document's summary from its extracted text. */
export interface Summarizer {
  summarize(text: string, call: SummaryCall): Promise<DocumentSummary>;
}
