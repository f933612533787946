import { trace } from "@opentelemetry/api";
import { type Logger, pino } from "pino";

export type { Logger };

export interface LoggerOptions {
  service: string;
  instanceId: string;
  level: string;
}

/** Paths that must never reach a log line. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "headers.authorization",
  "authorization",
  "*.authorization",
  "apiKey",
  "*.apiKey",
  "OPENAI_API_KEY",
  "*.OPENAI_API_KEY",
  "AUTH_TOKENS",
  "*.AUTH_TOKENS",
  "secret",
  "*.secret",
];

/**
 * JSON logs (pino). Each line carries the active `trace_id`/`span_id`; job-scoped loggers add `job_id`, tenant,
 * queue and attempt as child bindings.
 */
export function createLogger(opts: LoggerOptions): Logger {
  return pino({
    level: opts.level,
    base: { service: opts.service, instance: opts.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = trace.getActiveSpan()?.spanContext();
      return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
    },
  });
}
