import { context, propagation, trace } from "@ai-jobs/runtime";
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { FastifyRequest, RouteHandlerMethod } from "fastify";
import fp from "fastify-plugin";

/**
 * A SERVER span per request, continuing the caller's W3C trace context. Route handlers run inside it, so the
 * job record's `traceId` and the `traceparent` of every command published while handling it belong to this trace.
 */
export const tracingPlugin = fp(
  async (app) => {
    const tracer = trace.getTracer("gateway-http");
    const spans = new WeakMap<FastifyRequest, Span>();

    app.addHook("onRequest", async (request, reply) => {
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const route = request.routeOptions.url ?? "unmatched";
      const span = tracer.startSpan(
        `${request.method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            "http.request.method": request.method,
            "http.route": route,
            "url.path": request.url.split("?")[0] ?? request.url,
            "gateway.request_id": request.id,
          },
        },
        parent,
      );
      spans.set(request, span);
      // "close" also fires for hijacked replies (the SSE proxy), where onResponse does not run.
      reply.raw.once("close", () => {
        const status = reply.raw.statusCode;
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
    });

    app.addHook("onError", async (request, _reply, error) => {
      spans.get(request)?.recordException(error);
    });

    app.addHook("onRoute", (route) => {
      const handler = route.handler;
      const traced: RouteHandlerMethod = function (this, request, reply) {
        const span = spans.get(request);
        if (!span) return handler.call(this, request, reply);
        return context.with(trace.setSpan(context.active(), span), () => handler.call(this, request, reply));
      };
      route.handler = traced;
    });
  },
  { name: "tracing" },
);
