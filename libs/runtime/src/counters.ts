import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { z } from "zod";

/**
 * JetStream counters (nats-server 2.12's `allow_msg_counter` streams), the one way the platform counts what every
 * replica must share: request rates, tokens spent, bytes stored. A publish with `Nats-Incr: <n>` adds `n` (which may
 * be negative) to its subject's value atomically and answers the new total; the stored message's body is
 * `{"val":"<total>"}`, which a direct get reads back.
 */

/** A counter's value as the PubAck and the stored message carry it: a decimal string (negative after a refund). */
const CounterValue = z.object({ val: z.string().regex(/^-?\d+$/) });

export interface IncrementOptions {
  /** A message id: the same increment published again within the stream's duplicate window counts once. */
  msgId?: string | undefined;
  /** How long to wait for the PubAck (default: the client's). */
  timeoutMs?: number | undefined;
}

/**
 * Adds `by` (an integer, not 0) to the counter of `subject` and returns its new total, or undefined when JetStream
 * dropped the publish as a duplicate of `msgId` (nothing was added; the PubAck then carries no total).
 */
export async function incrementCounter(
  js: JetStreamClient,
  subject: string,
  by: number,
  opts: IncrementOptions = {},
): Promise<number | undefined> {
  const incr = headers();
  incr.set("Nats-Incr", by > 0 ? `+${by}` : String(by));
  const ack = await js.publish(subject, undefined, {
    headers: incr,
    ...(opts.msgId === undefined ? {} : { msgID: opts.msgId }),
    ...(opts.timeoutMs === undefined ? {} : { timeout: opts.timeoutMs }),
  });
  if (ack.duplicate) return undefined;
  return Number(CounterValue.parse(ack).val);
}

/** The counter of `subject` in `stream` (0 when it was never incremented or aged out): one direct get. */
export async function readCounter(jsm: JetStreamManager, stream: string, subject: string): Promise<number> {
  const last = await jsm.direct.getMessage(stream, { last_by_subj: subject });
  return last ? Number(CounterValue.parse(last.json()).val) : 0;
}
