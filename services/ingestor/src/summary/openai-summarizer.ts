import type { DocumentSummary } from "@ai-jobs/contracts";
import type { Logger } from "@ai-jobs/runtime";
import OpenAI from "openai";
import { z } from "zod";
import { extractiveSummary } from "./extractive.js";
import type { Summarizer } from "./summarizer.js";

export interface OpenAiSummarizerOptions {
  apiKey: string;
  baseURL?: string | undefined;
  model: string;
  /** Characters of the document sent to the model (its start). */
  inputChars: number;
  timeoutMs?: number;
  log: Logger;
}

const Completion = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

const SYSTEM =
  "You summarise study material for a learner. Answer with plain text only: 3 to 5 sentences on what the " +
  "document covers and its key ideas, in the document's language. No preamble, no Markdown.";

/**
 * A summary by an OpenAI chat model (one call, the SDK's own 2 retries). When the call fails, times out or answers
 * nothing usable, the extractive summary is stored instead (seed 004, AC10: never empty), labelled `extractive`.
 * A cancelled job is not summarised: its abort propagates.
 */
export function createOpenAiSummarizer(opts: OpenAiSummarizerOptions): Summarizer {
  const client = new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    maxRetries: 2,
    timeout: opts.timeoutMs ?? 30_000,
  });
  return {
    async summarize(text, { filename, signal }): Promise<DocumentSummary> {
      try {
        const raw = await client.chat.completions.create(
          {
            model: opts.model,
            temperature: 0.3,
            max_tokens: 400,
            messages: [
              { role: "system", content: SYSTEM },
              { role: "user", content: `Document: ${filename}\n\n${text.slice(0, opts.inputChars)}` },
            ],
          },
          { signal },
        );
        const content = Completion.parse(raw).choices[0]?.message.content?.trim();
        if (content) return { text: content, kind: "llm", model: opts.model };
        opts.log.warn({ filename }, "the summary model answered nothing; storing the extractive summary");
      } catch (err) {
        signal.throwIfAborted();
        opts.log.warn({ err, filename }, "the summary model failed; storing the extractive summary");
      }
      return { text: extractiveSummary(text), kind: "extractive", model: null };
    },
  };
}
