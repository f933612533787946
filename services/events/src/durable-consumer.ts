import { ACK_WAIT_MS, ensureConsumer, type Logger, type NatsContext } from "@ai-jobs/runtime";
import { AckPolicy, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { pullLoop } from "./pull-loop.js";

export interface DurableConsumerOptions {
  /** For logs: what this consumer does. */
  name: string;
  nats: Pick<NatsContext, "js" | "jsm">;
  stream: string;
  durable: string;
  filterSubject: string;
  log: Logger;
  /** Handles one message and settles it (ack, or nak with a delay). A throw naks it after `retryDelayMs`. */
  handle(msg: JsMsg): Promise<void>;
  retryDelayMs?: number;
  /** Messages fetched per pull; they are handled one after the other. */
  batch?: number;
  /** Long-poll length of one fetch; bounds how long stop() waits for an idle pull. */
  fetchExpiresMs?: number;
}

export interface DurableConsumer {
  start(): Promise<void>;
  /** Stops pulling, finishes the message in hand, hands the rest of the fetched batch back, resolves when idle. */
  stop(): Promise<void>;
}

const DEFAULT_RETRY_DELAY_MS = 2_000;

/**
 * A durable pull consumer shared by every events replica, handling its messages one at a time. JetStream gives each
 * message to one replica at a time, and redelivers it after ack_wait if that replica dies, so handlers must be
 * idempotent. A message is never given up on (`max_deliver: -1`): a failing handler naks it with a delay.
 */
export function createDurableConsumer(opts: DurableConsumerOptions): DurableConsumer {
  const log = opts.log.child({ component: opts.name });
  const stopped = new AbortController();
  const retryDelayMs = opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  let loop: Promise<void> | undefined;

  const handleOne = async (msg: JsMsg) => {
    try {
      await opts.handle(msg);
    } catch (err) {
      log.warn({ err, seq: msg.seq, subject: msg.subject, retryInMs: retryDelayMs }, "message not handled; retrying");
      msg.nak(retryDelayMs);
    }
  };

  const handleInTurn = async (msgs: JsMsg[]) => {
    for (const msg of msgs) {
      // Stopping: what was fetched but not started goes back to the stream for another replica at once.
      if (stopped.signal.aborted) msg.nak();
      else await handleOne(msg);
    }
  };

  return {
    async start() {
      await ensureConsumer(opts.nats.jsm, opts.stream, {
        durable_name: opts.durable,
        filter_subject: opts.filterSubject,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ACK_WAIT_MS),
        max_deliver: -1,
        max_ack_pending: 1_000,
      });
      const consumer = await opts.nats.js.consumers.get(opts.stream, opts.durable);
      loop = pullLoop({
        consumer,
        signal: stopped.signal,
        log,
        batch: opts.batch ?? 16,
        expiresMs: opts.fetchExpiresMs ?? 1_000,
        handle: handleInTurn,
      });
      log.info({ stream: opts.stream, durable: opts.durable }, `${opts.name} started`);
    },
    async stop() {
      stopped.abort();
      await loop;
      log.info(`${opts.name} stopped`);
    },
  };
}
