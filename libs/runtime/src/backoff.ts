import type { BackoffPolicy } from "@ai-jobs/contracts";

/**
 * Exponential backoff with full jitter (AWS architecture blog): a uniform delay in [0, min(max, base·2^(n-1))].
 * Full jitter spreads a burst of failures out, so a recovering upstream is not hit by all retries at once.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
