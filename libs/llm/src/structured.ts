import { ERROR_CODES } from "@ai-jobs/contracts";
import { inLlmSpan, TransientError } from "@ai-jobs/runtime";
import type { Tracer } from "@opentelemetry/api";
import type OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { z } from "zod";
import { classifyLlmError, LLM_INVALID_OUTPUT } from "./errors.js";
import type { Limiter } from "./limiter.js";
import { parsePartialJson } from "./partial.js";
import type { LlmCallSettings } from "./settings.js";
import type { LlmCallUsage } from "./usage.js";

/** One chat message, as the openai SDK types it. */
export type ChatMessage = ChatCompletionMessageParam;

export interface LlmDeps {
  client: OpenAI;
  tracer: Tracer;
  /** Caps the calls in flight in this process; none: no cap. */
  limiter?: Limiter | undefined;
}

export interface StructuredRequest<S extends z.ZodType> {
  /** The response format's name, e.g. `study_plan_outline`. */
  name: string;
  /** The answer's shape: sent as the JSON schema of the response format, and checked on the way in. */
  schema: S;
  messages: ChatCompletionMessageParam[];
  settings: LlmCallSettings;
  /** The job's signal: it aborts the HTTP request in flight. */
  signal: AbortSignal;
  /** Rules the schema cannot say (the number of days, say): a message for the model, or undefined when fine. */
  check?: ((value: z.infer<S>) => string | undefined) | undefined;
  /** Called while the answer streams in, with what the JSON so far describes (at most every `partialEveryMs`). */
  onPartial?: ((partial: unknown) => void) | undefined;
  partialEveryMs?: number | undefined;
  /** Called after every call that got an answer (the repair call too), so no spent token goes unrecorded. */
  onUsage?: ((usage: LlmCallUsage) => void) | undefined;
}

export interface StructuredAnswer<T> {
  value: T;
  /** True when the first answer was invalid and the repair call fixed it. */
  repaired: boolean;
}

const DEFAULT_PARTIAL_EVERY_MS = 250;

/**
 * One structured chat completion: the answer is streamed, must parse as JSON and match `schema` (and `check`).
 * An invalid answer gets one repair call in the same attempt, with the problem spelled out; when that answer is
 * invalid too, the attempt fails with a transient `LLM_INVALID_OUTPUT`, so the worker tries again later.
 */
export async function completeStructured<S extends z.ZodType>(
  deps: LlmDeps,
  req: StructuredRequest<S>,
): Promise<StructuredAnswer<z.infer<S>>> {
  const first = await streamCall(deps, req, req.messages);
  const problem = problemOf(req, first);
  if (problem.ok) return { value: problem.value, repaired: false };

  const repairMessages: ChatCompletionMessageParam[] = [
    ...req.messages,
    { role: "assistant", content: first },
    {
      role: "user",
      content: `Your answer could not be used: ${problem.reason}. Answer again with only the JSON object, exactly as the response schema requires.`,
    },
  ];
  const second = await streamCall(deps, req, repairMessages);
  const repaired = problemOf(req, second);
  if (repaired.ok) return { value: repaired.value, repaired: true };
  throw new TransientError(
    LLM_INVALID_OUTPUT,
    `the model's answer for ${req.name} was invalid after one repair attempt: ${repaired.reason}`,
  );
}

type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

function problemOf<S extends z.ZodType>(req: StructuredRequest<S>, content: string): Checked<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (err) {
    return { ok: false, reason: `it is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = req.schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    return { ok: false, reason: `it does not match the schema (${issues.join("; ")})` };
  }
  const rule = req.check?.(parsed.data);
  return rule === undefined ? { ok: true, value: parsed.data } : { ok: false, reason: rule };
}

/** One streamed call, in a span with the gen_ai attributes; resolves with the whole answer text. */
async function streamCall<S extends z.ZodType>(
  deps: LlmDeps,
  req: StructuredRequest<S>,
  messages: ChatCompletionMessageParam[],
): Promise<string> {
  const { settings, signal } = req;
  const call = () =>
    inLlmSpan(deps.tracer, { provider: "openai", model: settings.model }, async (span) => {
      span.setAttributes({
        "gen_ai.request.temperature": settings.temperature,
        "gen_ai.request.max_tokens": settings.maxTokens,
      });
      const startedAt = performance.now();
      let content = "";
      let model = settings.model;
      let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
      let finishReason: string | null = null;
      try {
        const stream = await deps.client.chat.completions.create(
          {
            model: settings.model,
            temperature: settings.temperature,
            max_tokens: settings.maxTokens,
            messages,
            response_format: zodResponseFormat(req.schema, req.name),
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal },
        );
        let lastPartialAt = 0;
        const every = req.partialEveryMs ?? DEFAULT_PARTIAL_EVERY_MS;
        for await (const chunk of stream) {
          if (chunk.model) model = chunk.model;
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices[0];
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          const delta = choice?.delta?.content;
          if (!delta) continue;
          content += delta;
          if (req.onPartial && performance.now() - lastPartialAt >= every) {
            lastPartialAt = performance.now();
            const partial = parsePartialJson(content);
            if (partial !== undefined) req.onPartial(partial);
          }
        }
      } catch (err) {
        throw classifyLlmError(err, signal);
      }
      // The SDK ends a stream quietly when its signal fires: the job's reason (timeout, cancellation) is the error.
      signal.throwIfAborted();
      if (finishReason === null) {
        // The stream ended without saying it was done: a proxy or the server cut it.
        throw new TransientError(ERROR_CODES.upstreamUnavailable, "LLM stream ended before the answer was complete");
      }
      const spent: LlmCallUsage = {
        system: "openai",
        model,
        promptTokens: usage?.prompt_tokens ?? 0,
        completionTokens: usage?.completion_tokens ?? 0,
        latencyMs: Math.round(performance.now() - startedAt),
      };
      span.setAttributes({
        "gen_ai.response.model": model,
        "gen_ai.response.finish_reasons": [finishReason],
        "gen_ai.usage.input_tokens": spent.promptTokens,
        "gen_ai.usage.output_tokens": spent.completionTokens,
      });
      req.onUsage?.(spent);
      return content;
    });
  return deps.limiter ? deps.limiter.run(signal, call) : call();
}
