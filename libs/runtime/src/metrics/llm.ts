import { type Span, SpanKind, type Tracer, trace } from "@opentelemetry/api";
import { inSpan } from "../telemetry.js";
import type { Metrics } from "./metrics.js";

export interface LlmCall {
  /** `gen_ai.provider.name`: `openai`, or `offline` for the template generator. */
  provider: string;
  /** `gen_ai.request.model`. */
  model: string;
  /** `gen_ai.operation.name`: `chat` for chat completions. */
  operation?: string;
}

/**
 * Runs one model call inside a CLIENT span named `<operation> <model>` with the `gen_ai.*` request attributes (OTel
 * GenAI semantic conventions). Inside a job it is a child of the job's process span, so it lands in the job's trace.
 */
export function inLlmSpan<T>(tracer: Tracer, call: LlmCall, fn: (span: Span) => Promise<T>): Promise<T> {
  const operation = call.operation ?? "chat";
  return inSpan(
    tracer,
    `${operation} ${call.model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": call.provider,
        "gen_ai.system": call.provider,
        "gen_ai.request.model": call.model,
      },
    },
    fn,
  );
}

export interface LlmUsage {
  /** The model that answered (`gen_ai.response.model`); often a dated version of the requested one. */
  model: string;
  tenant: string;
  inputTokens: number;
  outputTokens: number;
}

/**
 * Records a model answer's token usage: `gen_ai.usage.*` on the span (the active one unless given) and the
 * `aijobs_llm_tokens_total` counter by model and tenant. Call it once per model answer.
 */
export function recordLlmUsage(metrics: Pick<Metrics, "llmTokens">, usage: LlmUsage, span = trace.getActiveSpan()) {
  span?.setAttributes({
    "gen_ai.response.model": usage.model,
    "gen_ai.usage.input_tokens": usage.inputTokens,
    "gen_ai.usage.output_tokens": usage.outputTokens,
  });
  const labels = { model: usage.model, tenant: usage.tenant };
  if (usage.inputTokens > 0) metrics.llmTokens.inc({ ...labels, token_type: "input" }, usage.inputTokens);
  if (usage.outputTokens > 0) metrics.llmTokens.inc({ ...labels, token_type: "output" }, usage.outputTokens);
}
