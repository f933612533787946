import type { IncomingMessage, Server, ServerResponse } from "node:http";
import {
  type Authenticator,
  answerClientError,
  type HttpSecurityOptions,
  type JobReader,
  type Logger,
  type Messaging,
  type Metrics,
  type NatsContext,
  problemsPlugin,
  type ReadinessChecks,
  registerHttpMetrics,
  registerHttpSecurity,
  registerProbeRoutes,
  type StreamTokens,
  useZodSchemas,
} from "@ai-jobs/runtime";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { registerStreamRoute } from "./sse/stream-route.js";

export interface AppDeps {
  log: Logger;
  authenticator: Authenticator;
  /** Checks `?token=` stream tokens; without it the stream takes bearer tokens only. */
  streamTokens?: StreamTokens;
  jobs: JobReader;
  nats: Pick<NatsContext, "js" | "jsm">;
  keepAliveMs: number;
  /** Per-connection SSE buffer bound (`SSE_MAX_BUFFERED_BYTES`); 256 KiB when not given. */
  sseMaxBufferedBytes?: number;
  readiness: ReadinessChecks;
  draining: () => boolean;
  /** Security headers and CORS (`CORS_ORIGINS`, `HSTS_MAX_AGE_S`); none cross-origin when not given. */
  security?: HttpSecurityOptions;
  /** Counts HTTP requests and open SSE clients into it; the internal listener serves it on `/metrics`. */
  metrics?: Metrics;
  /** Traces the SSE fan-out of each event into its job's trace. */
  messaging?: Pick<Messaging, "consume">;
}

/**
 * The public HTTP side of events: probes and the SSE job stream (metrics and the detailed health are on the internal
 * listener main starts). Everything it uses is injected.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: deps.log.child({ component: "http" }),
    clientErrorHandler: answerClientError,
  });
  useZodSchemas(app);
  app.register(problemsPlugin);
  registerHttpSecurity(app, deps.security ?? { corsOrigins: [], hstsMaxAgeS: 0 });
  if (deps.metrics) registerHttpMetrics(app, deps.metrics);
  registerProbeRoutes(app, { checks: deps.readiness, draining: deps.draining });
  registerStreamRoute(app, {
    authenticator: deps.authenticator,
    ...(deps.streamTokens ? { streamTokens: deps.streamTokens } : {}),
    jobs: deps.jobs,
    nats: deps.nats,
    keepAliveMs: deps.keepAliveMs,
    ...(deps.sseMaxBufferedBytes === undefined ? {} : { maxBufferedBytes: deps.sseMaxBufferedBytes }),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.messaging ? { messaging: deps.messaging } : {}),
  });
  return app;
}
