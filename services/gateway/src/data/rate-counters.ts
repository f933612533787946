import { SUBJECTS } from "@ai-jobs/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { z } from "zod";

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

/** A counter stream's PubAck carries the subject's new total as a decimal string. */
const CounterAck = z.object({ val: z.string().regex(/^\d+$/) });

/**
 * How long a counter publish may take before the request goes on uncounted (the limiter fails open): as long as any
 * JetStream publish of the submit path may, since a broker this slow delays the request anyway.
 */
const COUNTER_TIMEOUT_MS = 5_000;

/**
 * Counters in the RATE_LIMITS stream (JetStream counters, nats-server 2.12+): `Nats-Incr: +1` on
 * `ratelimit.<key>.<window>` adds one atomically and the PubAck answers the total, so a request costs one publish
 * and no read-modify-write race between replicas. Windows are fixed (`floor(now / windowMs)`), as in
 * @fastify/rate-limit's own stores. Keys are base64url-encoded, so any text is a single subject token.
 */
export function createRateCounters(js: JetStreamClient, now: () => number = Date.now): RateCounters {
  return {
    async increment(key, windowMs) {
      const at = now();
      const window = Math.floor(at / windowMs);
      const subject = SUBJECTS.rateCounter(Buffer.from(key).toString("base64url"), window);
      const incr = headers();
      incr.set("Nats-Incr", "+1");
      const ack = await js.publish(subject, undefined, { headers: incr, timeout: COUNTER_TIMEOUT_MS });
      const { val } = CounterAck.parse(ack);
      return { count: Number(val), resetInMs: (window + 1) * windowMs - at };
    },
  };
}
