export const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
const BACKOFF_BASE_MS = 500;
const JITTER_MS = 250;

/**
 * How long to wait before retry number `attempt` (1 for the first): the server's `Retry-After` (seconds) plus up to
 * 250 ms of jitter, so that clients refused together do not come back together; without one, 500 ms doubled per
 * attempt. Undefined when `Retry-After` asks for more than `maxDelayMs`: the caller should not wait that long.
 */
export function retryDelayMs(
  retryAfterS: number | undefined,
  attempt: number,
  maxDelayMs: number = DEFAULT_MAX_RETRY_DELAY_MS,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterS !== undefined) {
    const wait = retryAfterS * 1000;
    if (wait > maxDelayMs) return undefined;
    return Math.min(maxDelayMs, wait + Math.floor(random() * JITTER_MS));
  }
  return Math.min(maxDelayMs, BACKOFF_BASE_MS * 2 ** (attempt - 1));
}
