/**
 * Gateway under load: `POST /api/ai/study-plans/generate/` (one-day plans) on the real stack with the offline
 * planner working the jobs, driven by autocannon (a well-kept HTTP load generator, used as a library) at a fixed
 * overall rate, or unthrottled (`rate` undefined) to find the maximum sustained rate. A fresh stack per run: on
 * FerretDB every write but an `_id` lookup scans the growing `jobs` collection, so runs must not inherit a database.
 */
import autocannon from "autocannon";
import { startStack, TOKEN } from "../../test/support/stack.js";
import { UNREACHABLE_RATE_LIMITS } from "./gateway-env.js";

export interface LoadRun {
  targetRate: number | undefined;
  connections: number;
  durationS: number;
  achievedPerS: number;
  p50: number;
  p99: number;
  ok: number;
  /** 503 answers: load shed on purpose, with Retry-After. */
  shed: number;
  /** Everything else that is not a 2xx: other statuses, socket errors and timeouts. */
  errors: number;
  timeouts: number;
}

export interface LoadOptions {
  rate: number | undefined;
  durationS: number;
  connections: number;
}

export async function gatewayLoad(opts: LoadOptions): Promise<LoadRun> {
  const stack = await startStack({ LOG_LEVEL: "warn", ...UNREACHABLE_RATE_LIMITS });
  try {
    return await loadOn(stack.gatewayUrl, opts);
  } finally {
    await stack.stop();
  }
}

/** One autocannon run against a gateway that is already up. */
export async function loadOn(gatewayUrl: string, opts: LoadOptions): Promise<LoadRun> {
  const result = await autocannon({
    url: `${gatewayUrl}/api/ai/study-plans/generate/`,
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ goal: "Learn linear algebra", start_date: "2026-12-01", end_date: "2026-12-01" }),
    connections: opts.connections,
    duration: opts.durationS,
    timeout: 10,
    ...(opts.rate === undefined ? {} : { overallRate: opts.rate }),
  });
  const shed = result.statusCodeStats?.["503"]?.count ?? 0;
  return {
    targetRate: opts.rate,
    connections: opts.connections,
    durationS: opts.durationS,
    achievedPerS: result["2xx"] / opts.durationS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result["2xx"],
    shed: shed,
    errors: result.non2xx - shed + result.errors + result.timeouts,
    timeouts: result.timeouts,
  };
}
