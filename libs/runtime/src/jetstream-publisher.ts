import { type ApiError, JetStreamApiError, type PubAck } from "@nats-io/jetstream";
import {
  createInbox,
  errors,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";

/**
 * Publishes to JetStream and resolves with the PubAck, like `js.publish`, but pipelined: every publish goes out at
 * once as a core message whose reply subject is a token under one inbox subscription, and acks are matched back by
 * token. `js.publish` makes a request per message (a mux entry, a timer and, unless `noAsyncTraces`, an `Error` for
 * its stack); measured on this machine it costs 25–64 µs of client CPU per message against 11 µs here. Messages of
 * one connection reach the server in call order, so events published in order stay in order.
 *
 * Failures keep `js.publish`'s types, which callers branch on: an answer with an error is a `JetStreamApiError`
 * (the stream refused it, e.g. full), no stream for the subject a `NoRespondersError`, no answer in time a
 * `TimeoutError` (the message may still have been stored: republish with the same `Nats-Msg-Id`).
 */
export interface JetStreamPublisher {
  publish(subject: string, data: Uint8Array | string, opts: { headers: MsgHdrs; timeoutMs: number }): Promise<PubAck>;
  /** Rejects whatever is still waiting and unsubscribes. */
  close(): void;
}

interface Waiting {
  resolve(ack: PubAck): void;
  reject(err: Error): void;
  deadline: number;
}

/** How often unanswered publishes are checked against their deadline. */
const SWEEP_MS = 250;

/** `inboxPrefix`: the connection's own (a NATS user may subscribe only to its prefix); default `_INBOX`. */
export function createJetStreamPublisher(nc: NatsConnection, inboxPrefix?: string): JetStreamPublisher {
  const inbox = createInbox(inboxPrefix);
  const prefixLength = inbox.length + 1;
  const waiting = new Map<string, Waiting>();
  let next = 0;
  let sweeper: NodeJS.Timeout | undefined;
  let subscription: Subscription | undefined;

  const settle = (token: string, outcome: PubAck | Error) => {
    const entry = waiting.get(token);
    if (!entry) return; // timed out already
    waiting.delete(token);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  };

  const onAck = (_err: Error | null, msg: Msg) => {
    const token = msg.subject.slice(prefixLength);
    if (msg.headers?.hasError) {
      // A status answer: 503 means no stream listens on the subject.
      settle(
        token,
        msg.headers.code === 503
          ? new errors.NoRespondersError(msg.subject)
          : new errors.RequestError(msg.headers.description),
      );
      return;
    }
    settle(token, parseAck(msg));
  };

  const sweep = () => {
    const now = Date.now();
    for (const [token, entry] of waiting) {
      if (entry.deadline <= now) {
        waiting.delete(token);
        entry.reject(new errors.TimeoutError());
      }
    }
    if (waiting.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  void nc.closed().then(() => {
    for (const [token] of waiting) settle(token, new errors.ClosedConnectionError());
  });

  return {
    publish(subject, data, { headers, timeoutMs }) {
      subscription ??= nc.subscribe(`${inbox}.*`, { callback: onAck });
      next += 1;
      const token = next.toString(36);
      return new Promise<PubAck>((resolve, reject) => {
        try {
          nc.publish(subject, data, { reply: `${inbox}.${token}`, headers });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        waiting.set(token, { resolve, reject, deadline: Date.now() + timeoutMs });
        if (!sweeper) {
          sweeper = setInterval(sweep, SWEEP_MS);
          sweeper.unref();
        }
      });
    },
    close() {
      for (const [token] of waiting) settle(token, new errors.ClosedConnectionError());
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      subscription?.unsubscribe();
      subscription = undefined;
    },
  };
}

/** A PubAck, or the API error JetStream answered instead. */
function parseAck(msg: Msg): PubAck | Error {
  let body: { stream?: string; seq?: number; duplicate?: boolean; domain?: string; error?: ApiError };
  try {
    body = msg.json();
  } catch (err) {
    return new Error("invalid JetStream publish ack", { cause: err });
  }
  if (body.error) return new JetStreamApiError(body.error);
  if (typeof body.stream !== "string" || body.stream === "" || typeof body.seq !== "number") {
    return new Error("invalid JetStream publish ack");
  }
  return {
    stream: body.stream,
    seq: body.seq,
    duplicate: body.duplicate === true,
    ...(body.domain === undefined ? {} : { domain: body.domain }),
  };
}
