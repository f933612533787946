import { ApiError, ConnectionError, ResponseError } from "@ai-jobs/sdk";

/** What to tell the user about a failed call, in one sentence. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const detail = err.detail ?? err.title;
    if (err.status === 429) {
      const wait = err.retryAfter === undefined ? "in a moment" : `in ${err.retryAfter} s`;
      return `Too many requests (${err.code}): ${detail}. Try again ${wait}.`;
    }
    if (err.status === 503 && err.retryAfter !== undefined) return `${detail}. Try again in ${err.retryAfter} s.`;
    return `${capitalize(detail)} (${err.status})`;
  }
  if (err instanceof ConnectionError) return `The gateway could not be reached: ${err.message}`;
  if (err instanceof ResponseError) return `The gateway answered something unexpected: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Whether the credential was refused: the page goes back to the login form. */
export const isUnauthorized = (err: unknown): boolean => err instanceof ApiError && err.status === 401;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
