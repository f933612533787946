import type { Tracer } from "@opentelemetry/api";
import { createLlmClient, type LlmClientOptions } from "./client.js";
import { createLimiter } from "./limiter.js";
import type { LlmDeps } from "./structured.js";

/**
 * What every model call of a service goes through: the SDK client (no retries of its own), the tracer of the
 * calls' `gen_ai` spans, and the limiter that caps this process's calls in flight (`LLM_CONCURRENCY`). Build it
 * once per process: a second one would be a second cap.
 */
export function createLlmDeps(opts: LlmClientOptions & { concurrency: number }, tracer: Tracer): LlmDeps {
  return {
    client: createLlmClient({ apiKey: opts.apiKey, baseURL: opts.baseURL }),
    tracer,
    limiter: createLimiter(opts.concurrency),
  };
}
