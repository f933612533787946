import { ERROR_CODES } from "@ai-jobs/contracts";
import { errorFromHttpStatus, errorFromNetworkFailure, TransientError } from "@ai-jobs/runtime";
import { APIConnectionError, APIError, APIUserAbortError } from "openai";

/** The model's answer could not be used even after the repair attempt: another attempt may do better. */
export const LLM_INVALID_OUTPUT = "LLM_INVALID_OUTPUT";

/**
 * Turns whatever an LLM call threw into the worker's vocabulary:
 * - the job's signal fired (timeout, cancellation, shutdown): its reason, so the worker sees what happened;
 * - an HTTP error answer: `errorFromHttpStatus` (429 and 5xx transient, with `Retry-After`; 400, 401 and other 4xx
 *   permanent), with a message that says which server answered what;
 * - no answer at all (refused, reset, DNS, the stream cut mid-way): transient.
 */
export function classifyLlmError(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof APIUserAbortError) return err;
  if (err instanceof APIConnectionError) return errorFromNetworkFailure(err.cause ?? err);
  if (err instanceof APIError && err.status !== undefined) {
    return errorFromHttpStatus(err.status, {
      retryAfter: err.headers?.get("retry-after") ?? null,
      message: `LLM request failed with HTTP ${err.status}: ${detailOf(err)}`,
      cause: err,
    });
  }
  if (err instanceof TransientError) return err;
  if (err instanceof Error && !(err instanceof APIError)) {
    // A stream that breaks after the headers surfaces as a plain fetch error ("terminated"): transient.
    return new TransientError(ERROR_CODES.upstreamUnavailable, `LLM stream failed: ${err.message}`, undefined, {
      cause: err,
    });
  }
  return err;
}

/** The server's own message, without the SDK's "<status> " prefix repeated. */
function detailOf(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  const message = typeof body?.message === "string" ? body.message : err.message;
  return message.replace(/^\d{3}\s+/, "");
}
