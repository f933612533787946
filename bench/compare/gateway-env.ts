/**
 * The gateway rows measure capacity: one tenant sends all the load, so the rate limits are set out of reach, but on,
 * so that every request still pays for its counting.
 */
export const UNREACHABLE_RATE_LIMITS = {
  RATE_LIMIT_PER_TENANT: "1000000000",
  RATE_LIMIT_PER_CALLER: "1000000000",
} as const;
