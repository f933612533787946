import type { FastifyInstance } from "fastify";
import type { Metrics } from "./metrics.js";

/**
 * Request rate, 5xx errors and duration of every route of a Fastify app (labelled by route pattern, never by raw
 * URL, so ids do not explode the series). Call it before the routes are registered. The registry is served by the
 * internal listener (`startInternalServer`), never on the public port. Hijacked replies (SSE streams) have no `onResponse`; the SSE gauge counts those.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
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
}
