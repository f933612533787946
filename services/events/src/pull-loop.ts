import type { Logger } from "@ai-jobs/runtime";
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { sleep } from "./sleep.js";

export interface PullLoopOptions {
  consumer: Consumer;
  signal: AbortSignal;
  log: Logger;
  /** Messages per pull, and the most handed to `handle` at once. */
  batch: number;
  /** Long-poll length of one fetch; bounds how long the loop takes to notice `signal`. */
  expiresMs: number;
  /** Handles a run of consecutive messages; calls never overlap and come in delivery order. Must not throw. */
  handle(msgs: JsMsg[]): Promise<void>;
}

/**
 * Pulls until `signal` aborts, handing messages over as soon as nothing more is buffered: a lone message is handled
 * at once, and under load a run grows while the previous one is handled. The fetch itself is always read to its
 * end without waiting on the handler: nats.js fails a fetch whose iterator stalls for two idle heartbeats after the
 * server finished the pull ("heartbeats missed"), and drops what it still held, which would then come back only
 * after ack_wait. The handler catches up after each fetch, so at most one fetch of messages is in hand.
 */
export async function pullLoop(opts: PullLoopOptions): Promise<void> {
  while (!opts.signal.aborted) {
    let handled = Promise.resolve();
    const handOver = (msgs: JsMsg[]) => {
      // A throwing handler would break the chain and end the loop: its messages are left to ack_wait instead.
      handled = handled
        .then(() => opts.handle(msgs))
        .catch((err: unknown) => opts.log.error({ err, messages: msgs.length }, "handler failed; left to redelivery"));
    };
    try {
      const messages = await opts.consumer.fetch({ max_messages: opts.batch, expires: opts.expiresMs });
      let run: JsMsg[] = [];
      for await (const msg of messages) {
        run.push(msg);
        if (run.length >= opts.batch || messages.getPending() === 0) {
          handOver(run);
          run = [];
        }
      }
      if (run.length > 0) handOver(run);
    } catch (err) {
      if (!opts.signal.aborted) {
        opts.log.warn({ err }, "pull failed; retrying");
        await sleep(1_000, opts.signal);
      }
    } finally {
      await handled;
    }
  }
}
