/** An answer with an error status: its problem+json (`detail`, `code`) and `Retry-After`, in seconds. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string | undefined,
    readonly retryAfter: number | undefined,
  ) {
    super(`${status} ${code}${detail ? `: ${detail}` : ""}`);
  }
}

/** The gateway could not be reached, or answered something that is not the API's (a proxy's error page, say). */
export class ConnectionError extends Error {
  override name = "ConnectionError";
}

/** What to tell the user about a failed call, in one sentence. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429) {
      const wait = err.retryAfter === undefined ? "in a moment" : `in ${err.retryAfter} s`;
      return `Too many requests (${err.code}): ${err.detail ?? "a limit was reached"}. Try again ${wait}.`;
    }
    if (err.status === 503 && err.retryAfter !== undefined) {
      return `${err.detail ?? "The service is busy"}. Try again in ${err.retryAfter} s.`;
    }
    return err.detail ? `${capitalize(err.detail)} (${err.status})` : `The request failed: ${err.code} (${err.status})`;
  }
  if (err instanceof ConnectionError) return `The gateway could not be reached: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Whether the credential was refused: the page goes back to the login form. */
export const isUnauthorized = (err: unknown): boolean => err instanceof ApiError && err.status === 401;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
