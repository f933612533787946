import { HEADERS } from "@ai-jobs/contracts";
import type { JsMsg, PubAck } from "@nats-io/jetstream";
import { type MsgHdrs, headers as natsHeaders } from "@nats-io/transport-node";
import {
  type Attributes,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { JetStreamPublisher } from "./jetstream-publisher.js";
import { inSpan } from "./telemetry.js";

export interface PublishOptions {
  /** Becomes `Nats-Msg-Id`: JetStream drops a second publish with the same id inside the duplicate window. */
  msgId: string;
  headers?: Record<string, string>;
  attributes?: Attributes;
  /** Publish ack timeout; a full stream or an outage surfaces as an error. */
  timeoutMs?: number;
}

export interface Messaging {
  /**
   * Publishes with the active trace context in W3C headers, inside a PRODUCER span. A Uint8Array is sent as it is
   * (dead letters keep the original bytes); anything else is sent as JSON.
   */
  publish(subject: string, payload: unknown, opts: PublishOptions): Promise<PubAck>;
  /** Runs `fn` inside a CONSUMER span whose parent is the trace context carried by the message. */
  consume<T>(msg: JsMsg, opts: { consumer: string; spanName?: string }, fn: (span: Span) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` (one write for many messages) inside a CONSUMER span of its own trace, linked to the trace context of
   * every message: a batch has many parents, so per the messaging conventions it links to them instead.
   */
  consumeBatch<T>(
    msgs: JsMsg[],
    opts: { consumer: string; spanName: string },
    fn: (span: Span) => Promise<T>,
  ): Promise<T>;
}

const headerSetter = {
  set(carrier: MsgHdrs, key: string, value: string) {
    carrier.set(key, value);
  },
};
const headerGetter = {
  get(carrier: MsgHdrs | undefined, key: string) {
    return carrier?.get(key) || undefined;
  },
  keys(carrier: MsgHdrs | undefined) {
    return carrier ? [...carrier.keys()] : [];
  },
};

/** The attributes of a message being processed, per the messaging semantic conventions (NATS as the system). */
function processAttributes(msg: JsMsg, consumer: string): Attributes {
  return {
    "messaging.system": "nats",
    "messaging.operation.type": "process",
    "messaging.destination.name": msg.subject,
    "messaging.message.id": msg.headers?.get(HEADERS.msgId) ?? "",
    "messaging.consumer.group.name": consumer,
    // Custom (no convention exists): JetStream's delivery count, 1 for a first delivery; the job's attempt.
    "messaging.nats.delivery_count": msg.info.deliveryCount,
    "messaging.nats.stream_sequence": msg.seq,
  };
}

const encoder = new TextEncoder();

/** The one traced publish/consume helper. Every message the platform sends or handles goes through it. */
export function createMessaging(publisher: JetStreamPublisher, tracer: Tracer): Messaging {
  return {
    publish(subject, payload, opts) {
      return inSpan(
        tracer,
        `publish ${subject.split(".").slice(0, 2).join(".")}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            "messaging.system": "nats",
            "messaging.operation.type": "publish",
            "messaging.destination.name": subject,
            "messaging.message.id": opts.msgId,
            ...opts.attributes,
          },
        },
        () => {
          const h = natsHeaders();
          h.set(HEADERS.msgId, opts.msgId);
          for (const [k, v] of Object.entries(opts.headers ?? {})) h.set(k, v);
          propagation.inject(context.active(), h, headerSetter);
          const data = payload instanceof Uint8Array ? payload : encoder.encode(JSON.stringify(payload));
          return publisher.publish(subject, data, { headers: h, timeoutMs: opts.timeoutMs ?? 5_000 });
        },
      );
    },
    consume(msg, opts, fn) {
      const parent = propagation.extract(context.active(), msg.headers, headerGetter);
      return inSpan(
        tracer,
        opts.spanName ?? `process ${msg.subject.split(".").slice(0, 2).join(".")}`,
        { kind: SpanKind.CONSUMER, attributes: processAttributes(msg, opts.consumer) },
        fn,
        parent,
      );
    },
    consumeBatch(msgs, opts, fn) {
      const links: Link[] = [];
      for (const msg of msgs) {
        const span = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, msg.headers, headerGetter));
        if (span && trace.isSpanContextValid(span)) links.push({ context: span });
      }
      return inSpan(
        tracer,
        opts.spanName,
        {
          kind: SpanKind.CONSUMER,
          links,
          attributes: {
            "messaging.system": "nats",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": opts.consumer,
            "messaging.batch.message_count": msgs.length,
          },
        },
        fn,
        ROOT_CONTEXT,
      );
    },
  };
}
