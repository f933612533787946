import { ERROR_CODES } from "@ai-jobs/contracts";
import type { Principal } from "@ai-jobs/runtime";
import { tooManyRequests } from "@ai-jobs/runtime";
import rateLimit, { type FastifyRateLimitStore } from "@fastify/rate-limit";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { RateCounters } from "../data/rate-counters.js";

export interface RateLimitsOptions {
  counters: RateCounters;
  /** False while NATS is unreachable: requests then go on uncounted instead of waiting for a counter. */
  connected(): boolean;
  windowMs: number;
  perTenant: number;
  /** Per-tenant values of `perTenant` (0: no limit for that tenant). */
  tenants: ReadonlyMap<string, number>;
  perCaller: number;
}

/** One limit: its setting's name (the 429 names it), how it keys a caller, and its maximum (0: off). */
interface Limit {
  setting: string;
  key(principal: Principal): string;
  max(principal: Principal): number;
}

/** @fastify/rate-limit's store interface over the shared counters (it builds the store from a class). */
function counterStore(counters: RateCounters, connected: () => boolean) {
  return class CounterStore implements FastifyRateLimitStore {
    incr(key: string, callback: (err: Error | null, res?: { current: number; ttl: number }) => void, ms: number) {
      if (!connected()) return callback(new Error("NATS is unreachable; not counted"));
      counters.increment(key, ms).then(
        ({ count, resetInMs }) => callback(null, { current: count, ttl: resetInMs }),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/**
 * Request rates per tenant and per caller (`RATE_LIMIT_*`), counted in JetStream so that every gateway replica
 * shares one count (`data/rate-counters.ts`). Runs after authentication, on every authenticated route; health
 * checks and `/metrics` are not counted. Over a limit: 429 `RATE_LIMITED`, `Retry-After` until the window ends, and
 * a detail naming the setting. The two counters are read in parallel, one round trip. Counting fails open: with NATS
 * unreachable or slow (5 s) the request goes on uncounted, since the API must not fail for want of a counter.
 */
export const rateLimitsPlugin = fp<RateLimitsOptions>(
  async (app, opts) => {
    const limits: Limit[] = [
      {
        setting: "RATE_LIMIT_PER_TENANT",
        key: (p) => `t:${p.tenantId}`,
        max: (p) => opts.tenants.get(p.tenantId) ?? opts.perTenant,
      },
      {
        // A caller is an API key, or else the user: each key of a user has a rate of its own.
        setting: "RATE_LIMIT_PER_CALLER",
        key: (p) => (p.keyId ? `k:${p.tenantId}:${p.keyId}` : `c:${p.tenantId}:${p.userId}`),
        max: () => opts.perCaller,
      },
    ];
    await app.register(rateLimit, {
      global: false,
      store: counterStore(opts.counters, opts.connected),
      skipOnError: true,
      timeWindow: opts.windowMs,
    });
    const checks = limits.map((limit) => ({
      limit,
      check: app.createRateLimit({
        keyGenerator: (request: FastifyRequest) => limit.key(request.principal),
        max: (request: FastifyRequest) => limit.max(request.principal),
        // A maximum of 0 means no limit: nothing is counted.
        allowList: (request: FastifyRequest) => limit.max(request.principal) === 0,
      }),
    }));

    app.addHook("onRequest", async (request) => {
      if (request.is404 || request.routeOptions.config.public === true) return;
      const results = await Promise.all(
        checks.map(async ({ limit, check }) => ({ limit, result: await check(request) })),
      );
      for (const { limit, result } of results) {
        if (result.isAllowed || !result.isExceeded) continue;
        throw tooManyRequests(
          ERROR_CODES.rateLimited,
          `limit ${limit.setting}: at most ${result.max} requests per ${opts.windowMs / 1000} s; ` +
            `try again in ${result.ttlInSeconds} s`,
          Math.max(1, result.ttlInSeconds),
        );
      }
    });
  },
  { name: "rate-limits", dependencies: ["auth"] },
);
