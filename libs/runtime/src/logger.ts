import { trace } from "@opentelemetry/api";
import { type Logger, pino } from "pino";

export type { Logger };

export interface LoggerOptions {
  service: string;
  instanceId: string;
  level: string;
}

/** Keys whose values are secrets: bearer tokens, API keys, webhook signing secrets, cookies, passwords. */
const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "cookie",
  "set-cookie",
  '"x-api-key"',
  "apiKey",
  "api_key",
  "token",
  "tokens",
  "password",
  "secret",
  "secrets",
  "webhookSecret",
  "OPENAI_API_KEY",
  "AUTH_TOKENS",
  "AUTH_JWT_SECRET",
  "STREAM_TOKEN_SECRET",
  "WEBHOOK_SECRETS",
  "MONGO_URL",
  "NATS_NKEY_SEED",
  "nkeySeed",
];

/**
 * Paths that must never reach a log line: each secret key at the top level, one level down (`config.AUTH_TOKENS`)
 * and in request/response headers (`req.headers.authorization`). pino's redaction is path-based (fast-redact), so
 * a secret must be logged under one of these keys, never inside a message string.
 */
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => {
  const member = key.startsWith('"') ? `[${key}]` : `.${key}`;
  return [key, `*${member}`, `req.headers${member}`, `res.headers${member}`, `request.headers${member}`];
});

/**
 * JSON logs (pino). Each line carries the active `trace_id`/`span_id`; job-scoped loggers add `job_id`, tenant,
 * queue and attempt as child bindings, and outcome lines `duration_ms`. Errors logged as `err` keep their class,
 * message, stack and `code` (pino's error serializer copies an error's own fields, and ours carry `code`).
 */
export function createLogger(opts: LoggerOptions): Logger {
  return pino({
    level: opts.level,
    base: { service: opts.service, instance: opts.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    serializers: { err: pino.stdSerializers.errWithCause, req: requestSummary },
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = trace.getActiveSpan()?.spanContext();
      return ctx && trace.isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
    },
  });
}

/** A stream token travels in the query string (`?token=`): it must not reach an access log. */
export const redactTokenQuery = (url: string): string =>
  url.replace(/([?&](?:token|access_token)=)[^&#]*/gi, "$1[redacted]");

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** Fastify's request serializer (method, url, host, peer), with the tokens of the query string redacted. */
function requestSummary(req: LoggedRequest) {
  return {
    method: req.method,
    url: req.url === undefined ? undefined : redactTokenQuery(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
