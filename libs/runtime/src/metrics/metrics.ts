import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/**
 * The Prometheus instruments of one service, on a registry of its own (never prom-client's global one), so two
 * services booted in one process (tests) keep their numbers apart. Services add their gauges to `registry`.
 */
export interface Metrics {
  registry: Registry;
  /** One attempt, from its `started` event to its outcome: succeeded, failed, retried or cancelled. */
  jobDuration: Histogram<"type" | "outcome">;
  jobsStarted: Counter<"type">;
  jobsSucceeded: Counter<"type">;
  jobsFailed: Counter<"type" | "code">;
  jobsRetried: Counter<"type">;
  jobsCancelled: Counter<"type">;
  jobsDeadLettered: Counter<"queue">;
  /** Tokens per model and tenant; `token_type` is `input` or `output` (as `gen_ai.token.type`). */
  llmTokens: Counter<"model" | "tenant" | "token_type">;
  httpRequests: Counter<"method" | "route" | "status_code">;
  httpErrors: Counter<"method" | "route" | "status_code">;
  httpDuration: Histogram<"method" | "route" | "status_code">;
}

export const METRIC_PREFIX = "aijobs_";

/** Attempts last from milliseconds (a cancelled job) to minutes (a long plan from a real model). */
const JOB_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const HTTP_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(opts: { service: string; defaultMetrics?: boolean }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: opts.service });
  // Process CPU, memory, event loop lag and GC, prefixed like the rest.
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  const p = METRIC_PREFIX;
  return {
    registry,
    jobDuration: new Histogram({
      name: `${p}job_duration_seconds`,
      help: "Duration of one job attempt by job type and outcome (succeeded, failed, retried, cancelled)",
      labelNames: ["type", "outcome"],
      buckets: JOB_BUCKETS_S,
      registers,
    }),
    jobsStarted: new Counter({
      name: `${p}jobs_started_total`,
      help: "Job attempts started",
      labelNames: ["type"],
      registers,
    }),
    jobsSucceeded: new Counter({
      name: `${p}jobs_succeeded_total`,
      help: "Jobs that succeeded",
      labelNames: ["type"],
      registers,
    }),
    jobsFailed: new Counter({
      name: `${p}jobs_failed_total`,
      help: "Jobs that failed for good, by error code",
      labelNames: ["type", "code"],
      registers,
    }),
    jobsRetried: new Counter({
      name: `${p}jobs_retried_total`,
      help: "Job attempts that failed and were scheduled for another attempt",
      labelNames: ["type"],
      registers,
    }),
    jobsCancelled: new Counter({
      name: `${p}jobs_cancelled_total`,
      help: "Jobs that ended cancelled",
      labelNames: ["type"],
      registers,
    }),
    jobsDeadLettered: new Counter({
      name: `${p}jobs_dead_lettered_total`,
      help: "Commands copied to the dead-letter stream JOBS_DLQ",
      labelNames: ["queue"],
      registers,
    }),
    llmTokens: new Counter({
      name: `${p}llm_tokens_total`,
      help: "LLM tokens used, by model, tenant and token type (input, output)",
      labelNames: ["model", "tenant", "token_type"],
      registers,
    }),
    httpRequests: new Counter({
      name: `${p}http_requests_total`,
      help: "HTTP requests answered, by method, route and status code",
      labelNames: ["method", "route", "status_code"],
      registers,
    }),
    httpErrors: new Counter({
      name: `${p}http_request_errors_total`,
      help: "HTTP requests answered with a 5xx status",
      labelNames: ["method", "route", "status_code"],
      registers,
    }),
    httpDuration: new Histogram({
      name: `${p}http_request_duration_seconds`,
      help: "HTTP request duration until the answer is sent",
      labelNames: ["method", "route", "status_code"],
      buckets: HTTP_BUCKETS_S,
      registers,
    }),
  };
}
