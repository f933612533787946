import { context, propagation, type Span, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

export interface Telemetry {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  instanceId: string;
  /** OTLP/HTTP base endpoint; traces are exported only when it is set. */
  otlpEndpoint?: string | undefined;
  /** `OTEL_EXPORTER_OTLP_PROTOCOL`: the OTLP/HTTP body encoding. Default `http/protobuf`, as the spec says. */
  otlpProtocol?: OtlpProtocol | undefined;
}

/** The OTLP transports we ship: both are OTLP over HTTP (Jaeger and the Collector take either on port 4318). */
export type OtlpProtocol = "http/protobuf" | "http/json";

/** The exporters read the other standard variables (endpoint, per-signal endpoint, headers, timeout) themselves. */
function exporterFor(protocol: OtlpProtocol): SpanExporter {
  return protocol === "http/json" ? new OtlpJsonExporter() : new OtlpProtobufExporter();
}

/**
 * Registers the OpenTelemetry Node tracer provider and the W3C propagator. Spans are always recorded, so trace ids
 * reach logs and job records even with no collector; they are exported over OTLP/HTTP only when an endpoint is
 * configured. The SDK reads the other standard variables: `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*` (batching),
 * `OTEL_EXPORTER_OTLP_HEADERS`/`_TIMEOUT`/`_TRACES_ENDPOINT`, and `OTEL_RESOURCE_ATTRIBUTES` (merged under ours).
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const spanProcessors: SpanProcessor[] = [];
  if (opts.otlpEndpoint) {
    spanProcessors.push(new BatchSpanProcessor(exporterFor(opts.otlpProtocol ?? "http/protobuf")));
  }
  const resource = detectResources({ detectors: [envDetector] }).merge(
    resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      [ATTR_SERVICE_VERSION]: opts.serviceVersion,
      "service.instance.id": opts.instanceId,
    }),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return {
    tracer: trace.getTracer(opts.serviceName, opts.serviceVersion),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * Runs `fn` inside a new active span, records an exception and an error status when it throws, and always ends
 * the span. The one helper every traced operation goes through.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: Parameters<Tracer["startSpan"]>[1],
  fn: (span: Span) => Promise<T>,
  parent = context.active(),
): Promise<T> {
  const span = tracer.startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    span.recordException(err instanceof Error ? err : new Error(String(err)));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}

/** The active trace id, or null outside a sampled span. */
export function activeTraceId(): string | null {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) ? ctx.traceId : null;
}

export { context, propagation, trace };
