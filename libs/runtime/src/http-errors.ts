import { ERROR_CODES } from "@ai-jobs/contracts";
import { PermanentError, TransientError } from "./errors.js";

/** A Retry-After longer than this is capped: an attempt's retry must stay well inside the job's useful life. */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Statuses where the same request may succeed later: too many requests, request timeout, too early, and every
 * server error. Any other 4xx (including 409) means the request itself is wrong, so retrying cannot help.
 */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/**
 * Classifies an upstream HTTP error answer (LLM, embeddings, any fetch) for the worker: a TransientError is retried
 * with backoff (or after `Retry-After`, when the upstream sent one), a PermanentError fails the job at once.
 */
export function errorFromHttpStatus(
  status: number,
  opts: { retryAfter?: string | null; message: string; cause?: unknown },
): PermanentError | TransientError {
  const cause = { cause: opts.cause };
  if (RETRYABLE_4XX.has(status) || (status >= 500 && status <= 599)) {
    return new TransientError(ERROR_CODES.upstreamUnavailable, opts.message, parseRetryAfter(opts.retryAfter), cause);
  }
  // 4xx, and anything that is not an error status at all (a redirect we did not follow): the request is wrong.
  return new PermanentError(ERROR_CODES.upstreamRejected, opts.message, cause);
}

/** The upstream could not be reached at all (refused, reset, DNS, TLS): worth retrying. */
export function errorFromNetworkFailure(err: unknown): TransientError {
  const detail = err instanceof Error ? err.message : String(err);
  // undici (fetch) hides the system error code (ECONNREFUSED, ...) in `cause`.
  const code = err instanceof Error && hasCode(err.cause) ? ` (${err.cause.code})` : "";
  return new TransientError(ERROR_CODES.upstreamUnavailable, `upstream unreachable: ${detail}${code}`, undefined, {
    cause: err,
  });
}

/**
 * `Retry-After` as milliseconds from now: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), capped at
 * MAX_RETRY_AFTER_MS. Undefined when absent or unreadable, so the job type's backoff applies instead.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1_000;
  else {
    // Every HTTP-date form starts with the day name; without this, Date.parse reads "-5" as the year -5.
    const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

function hasCode(value: unknown): value is { code: string } {
  return typeof value === "object" && value !== null && typeof (value as { code?: unknown }).code === "string";
}
