import { SUBJECTS } from "@ai-jobs/contracts";
import { incrementCounter } from "@ai-jobs/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";

export interface RateCount {
  /** Requests counted for the key in the current window, this one included. */
  count: number;
  /** Until the window ends and the count starts again from zero. */
  resetInMs: number;
}

/** Shared request counters: every gateway replica counts into the same ones. */
export interface RateCounters {
  /** Counts one request for `key` in the current fixed window of `windowMs`. */
  increment(key: string, windowMs: number): Promise<RateCount>;
}

/**
 * How long a counter publish may take before the request goes on uncounted (the limiter fails open): as long as any
 * JetStream publish of the submit path may, since a broker this slow delays the request anyway.
 */
const COUNTER_TIMEOUT_MS = 5_000;

/**
 * Counters in the RATE_LIMITS stream (`incrementCounter`): one on `ratelimit.<key>.<window>` per request, added
 * atomically with the total in the answer, so a request costs one publish and no read-modify-write race between
 * replicas. Windows are fixed (`floor(now / windowMs)`), as in
 * @fastify/rate-limit's own stores. Keys are base64url-encoded, so any text is a single subject token.
 */
export function createRateCounters(js: JetStreamClient, now: () => number = Date.now): RateCounters {
  return {
    async increment(key, windowMs) {
      const at = now();
      const window = Math.floor(at / windowMs);
      const subject = SUBJECTS.rateCounter(Buffer.from(key).toString("base64url"), window);
      const count = await incrementCounter(js, subject, 1, { timeoutMs: COUNTER_TIMEOUT_MS });
      // No message id, so never a duplicate: a missing total would be a broken counter.
      if (count === undefined) throw new Error(`the rate counter ${subject} answered no total`);
      return { count, resetInMs: (window + 1) * windowMs - at };
    },
  };
}
