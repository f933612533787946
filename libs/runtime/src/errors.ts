import { ERROR_CODES, type ErrorCode } from "@ai-jobs/contracts";

/**
 * A failure that retrying cannot fix (invalid input, an upstream 4xx other than 429). The worker fails the job
 * at once. Every other error is transient and retried with backoff.
 */
export class PermanentError extends Error {
  override readonly name = "PermanentError";
  constructor(
    readonly code: ErrorCode | string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A failure worth retrying. `retryAfterMs` (from a `Retry-After` answer) overrides the computed backoff. */
export class TransientError extends Error {
  override readonly name = "TransientError";
  constructor(
    readonly code: ErrorCode | string,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The job was cancelled (`cancel.<jobId>` in JOB_CONTROL). The reason a cancelled job's signal fires: the worker
 * then ends the job as `cancelled`, never retries it, never dead-letters it.
 */
export class CancelledError extends Error {
  override readonly name = "CancelledError";
  readonly code = ERROR_CODES.cancelled;
}

export const isPermanent = (err: unknown): err is PermanentError => err instanceof PermanentError;

/**
 * True when the worker will not run the job again after `err` ends attempt `attempt`: the error is permanent, or
 * that was the job type's last attempt. A handler with a fallback uses it to know when the fallback is due.
 */
export const isFinalFailure = (err: unknown, attempt: number, maxAttempts: number): boolean =>
  isPermanent(err) || attempt >= maxAttempts;

/** A job error as stored and sent to clients: a stable code and a message, never a stack. */
export function toJobError(err: unknown): { code: string; message: string } {
  if (err instanceof PermanentError || err instanceof TransientError || err instanceof CancelledError)
    return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: ERROR_CODES.handlerFailed, message: err.message };
  return { code: ERROR_CODES.handlerFailed, message: String(err) };
}
