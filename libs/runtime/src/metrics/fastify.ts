import type { FastifyContextConfig, FastifyInstance } from "fastify";
import type { Metrics } from "./metrics.js";

export interface HttpMetricsOptions {
  /** Route config of `GET /metrics` (the gateway marks it public so no bearer token is asked). */
  routeConfig?: FastifyContextConfig;
}

/**
 * Request rate, 5xx errors and duration of every route of a Fastify app (labelled by route pattern, never by raw
 * URL, so ids do not explode the series), and `GET /metrics` in the Prometheus text format. Call it before the
 * routes are registered. Hijacked replies (SSE streams) have no `onResponse`; the SSE gauge counts those.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: Metrics, opts: HttpMetricsOptions = {}): void {
  app.addHook("onResponse", async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status_code: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    if (reply.statusCode >= 500) metrics.httpErrors.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1_000);
  });
  app.get("/metrics", { config: opts.routeConfig ?? {}, logLevel: "warn" }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
