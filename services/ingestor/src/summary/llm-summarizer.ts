import { type DocumentSummary, ERROR_CODES, JOB_TYPES } from "@ai-jobs/contracts";
import { type ChatMessage, completeStructured, type LlmCallSettings, type LlmDeps, SummaryAnswer } from "@ai-jobs/llm";
import { isFinalFailure, type Logger, type TokenBudgets, TransientError } from "@ai-jobs/runtime";
import { extractiveSummary } from "./extractive.js";
import type { Summarizer } from "./summarizer.js";

export interface LlmSummarizerOptions {
  /** The process's client, tracer and limiter (`createLlmDeps`), shared by every call. */
  llm: LlmDeps;
  /** Checked before each call; the call's usage is charged by the job's `meteredAttempt`. */
  budgets: Pick<TokenBudgets, "check">;
  settings: LlmCallSettings;
  /** Characters of the document sent to the model (its start). */
  inputChars: number;
  /** The call's own time limit, well inside the job's: a slow model must leave the attempt time to fall back. */
  timeoutMs: number;
  log: Logger;
}

const SYSTEM =
  "You summarise study material for a learner. Answer with a JSON object whose `summary` is plain text: 3 to 5 " +
  "sentences on what the document covers and its key ideas, in the document's language. No preamble, no Markdown.";

const MAX_ATTEMPTS = JOB_TYPES["material.ingest"].maxAttempts;

const extractive = (text: string): DocumentSummary => ({
  text: extractiveSummary(text),
  kind: "extractive",
  model: null,
});

/**
 * A summary by a chat model through libs/llm, like every model call: streamed structured output with one repair,
 * the gen_ai span, the process's limiter, no retries inside the call. Ingestion is not an LLM product, so the
 * summary never fails a document:
 * - a tenant over its daily token budget gets the extractive summary, without a model call;
 * - a failed call (or budget read) is retried like any job (backoff, `Retry-After`); on the last attempt, or when
 *   the error is permanent (a 401, say), the extractive summary is stored instead, labelled `extractive`.
 * A cancelled or timed-out job is not summarised: its abort propagates.
 */
export function createLlmSummarizer(opts: LlmSummarizerOptions): Summarizer {
  return {
    async summarize(text, call) {
      const limit = AbortSignal.timeout(opts.timeoutMs);
      try {
        const budget = await opts.budgets.check(call.tenantId);
        if (!budget.allowed) {
          opts.log.info(
            { spent: budget.spent, budget: budget.budget },
            "the tenant spent its daily token budget; storing the extractive summary",
          );
          return extractive(text);
        }
        const { value } = await completeStructured(opts.llm, {
          name: "document_summary",
          schema: SummaryAnswer,
          messages: summaryPrompt(call.filename, text.slice(0, opts.inputChars)),
          settings: opts.settings,
          signal: AbortSignal.any([call.signal, limit]),
          check: (answer) => (answer.summary.trim() === "" ? "the summary is empty" : undefined),
          onUsage: (usage) => call.usage.record(usage),
        });
        return { text: value.summary.trim(), kind: "llm", model: opts.settings.model };
      } catch (err) {
        call.signal.throwIfAborted();
        const failure = limit.aborted
          ? new TransientError(ERROR_CODES.timeout, `the summary model did not answer within ${opts.timeoutMs} ms`)
          : err;
        if (!isFinalFailure(failure, call.attempt, MAX_ATTEMPTS)) throw failure;
        opts.log.warn({ err: failure }, "the summary failed for good; storing the extractive summary");
        return extractive(text);
      }
    },
  };
}

const summaryPrompt = (filename: string, text: string): ChatMessage[] => [
  { role: "system", content: SYSTEM },
  { role: "user", content: `Document: ${filename}\n\n${text}` },
];
