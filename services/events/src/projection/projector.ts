import { CONSUMERS, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import {
  ACK_WAIT_MS,
  backoffDelayMs,
  ensureConsumer,
  type Logger,
  type Messaging,
  type NatsContext,
} from "@ai-jobs/runtime";
import { AckPolicy, type ConsumerMessages, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import type { JobProjectionRepository } from "../data/job-projection.js";
import { decodeJobEvent } from "../job-event-message.js";
import { sleep } from "../sleep.js";
import { applyEvents, type SequencedEvent } from "./apply-events.js";
import { createRecordCache } from "./record-cache.js";

export interface ProjectorDeps {
  nats: Pick<NatsContext, "js" | "jsm">;
  messaging: Messaging;
  /** `job_events` and the job records (`createJobProjectionRepository`). */
  projection: JobProjectionRepository;
  log: Logger;
  /** Events per MongoDB batch at most. */
  batchSize: number;
  /** Long-poll length of one pull (at least 1 s); bounds how long stop() waits for an idle pull. */
  fetchExpiresMs?: number;
}

export interface Projector {
  start(): Promise<void>;
  /** Stops pulling, finishes the batch in hand (or naks it if MongoDB is down), and resolves when idle. */
  stop(): Promise<void>;
}

/** Delivered but not yet acked: a few batches, so the next one is in hand while one is written. */
const MAX_ACK_PENDING = 5_000;
const WRITE_RETRY = { baseMs: 500, maxMs: 5_000 };
const MIN_RETRY_DELAY_MS = 200;
/** The consumer's priority group: the one active projector holds its pin. */
const PROJECTOR_GROUP = "projector";
/** How long the server keeps the pin of a projector that stopped pulling before another replica gets it. */
const PIN_TIMEOUT_MS = 5_000;
/** Job records kept in memory to fold the next events onto without reading them. */
const CACHE_RECORDS = 20_000;

/**
 * Projects JOB_EVENTS into MongoDB (`job_events` and the job records). Every events replica runs one, but only one
 * projects at a time: the durable consumer is a pinned-client priority group, so JetStream delivers to the replica
 * holding the pin and moves the pin to another replica when that one stops pulling (`PIN_TIMEOUT_MS`). One writer
 * means no two writes of one record race (FerretDB applies no update atomically), and it can keep the records it
 * wrote in memory and fold the next events onto them without reading (`RecordCache`). Each batch is at most one
 * write per job, keyed by `_id` (`applyEvents`).
 *
 * Messages are acked only after both writes succeed. While MongoDB is down the batch is held (kept alive with
 * `working()`) and its write retried with backoff, so an outage delays the projection, keeps its order, and loses
 * nothing; after a failover the new projector gets what the old one held once ack_wait passes, and the fold's
 * sequence guards apply it correctly out of order. Readers do not wait for any of this: `JobReader` overlays the
 * events not projected yet.
 */
export function createProjector(deps: ProjectorDeps): Projector {
  const log = deps.log.child({ component: "projector" });
  const cache = createRecordCache(CACHE_RECORDS);
  const stopped = new AbortController();
  /** Delivered, not yet handed to a batch. */
  const inbox: JsMsg[] = [];
  /** The batch being written. */
  let inHand: JsMsg[] = [];
  let wake: (() => void) | undefined;
  let messages: ConsumerMessages | undefined;
  let loops: Promise<unknown> | undefined;
  let keepAlive: NodeJS.Timeout | undefined;

  const project = async (msgs: JsMsg[]): Promise<void> => {
    const decoded = msgs.map((msg) => ({ msg, decoded: decodeJobEvent(msg) }));
    const events: SequencedEvent[] = [];
    for (const { msg, decoded: d } of decoded) {
      if (d.ok) events.push({ seq: msg.seq, event: d.event });
      // An invalid message can never become valid: it is acked with the batch so it never blocks the stream.
      else log.error({ seq: msg.seq, subject: msg.subject, reason: d.reason }, "invalid job event skipped");
    }
    // The batch write has many parents: its span (and the MongoDB spans under it) links to every event's trace.
    const written = deps.messaging.consumeBatch(
      msgs,
      { consumer: CONSUMERS.projector, spanName: "project job events batch" },
      (span) => {
        span.setAttribute("projector.events", events.length);
        return writeUntilDone(events, msgs.length);
      },
    );
    // One CONSUMER span per message, parented by the publisher's trace and covering the batch write.
    await Promise.allSettled(
      decoded.map(({ msg, decoded: d }) =>
        deps.messaging.consume(msg, { consumer: CONSUMERS.projector, spanName: "project job event" }, async (span) => {
          if (d.ok) {
            span.setAttributes({ "job.id": d.event.jobId, "job.event": d.event.kind, "tenant.id": d.event.tenantId });
          } else {
            span.setAttribute("job.event.invalid", true);
          }
          if (await written) {
            msg.ack();
            return;
          }
          msg.nak();
          throw new Error("projection abandoned at shutdown; message returned to the stream");
        }),
      ),
    );
  };

  /** Retries the batch write until it succeeds (true), or until stop() while it is failing (false). */
  const writeUntilDone = async (events: SequencedEvent[], messageCount: number): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const changed = await applyEvents(deps.projection, events, cache);
        log.debug({ events: events.length, changed }, "batch projected");
        return true;
      } catch (err) {
        // What failed half-way may have left the cache ahead of the store.
        cache.clear();
        if (stopped.signal.aborted) return false;
        const delay = Math.max(MIN_RETRY_DELAY_MS, backoffDelayMs(WRITE_RETRY, attempt));
        log.warn({ err, attempt, delayMs: delay, messages: messageCount }, "projection write failed; retrying");
        await sleep(delay, stopped.signal);
        if (stopped.signal.aborted) return false;
      }
    }
  };

  /** Reads the consumer continuously, so nats.js never sees a stalled iterator, and wakes the writer. */
  const read = async (source: ConsumerMessages) => {
    for await (const msg of source) {
      inbox.push(msg);
      wake?.();
    }
  };

  const write = async () => {
    while (!stopped.signal.aborted) {
      if (inbox.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
        continue;
      }
      inHand = inbox.splice(0, deps.batchSize);
      await project(inHand);
      inHand = [];
    }
  };

  const watchPin = async (source: ConsumerMessages) => {
    for await (const status of source.status()) {
      if (status.type === "consumer_pinned") log.info("this replica now projects job events");
      if (status.type === "consumer_unpinned") {
        // Another replica may write from now on: what this one remembers may go stale.
        cache.clear();
        log.info("another replica projects job events now");
      }
    }
  };

  return {
    async start() {
      await ensureConsumer(deps.nats.jsm, STREAMS.events, {
        durable_name: CONSUMERS.projector,
        filter_subject: SUBJECTS.eventsAll,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(ACK_WAIT_MS),
        max_ack_pending: MAX_ACK_PENDING,
        // Never give up on an event: a MongoDB outage may outlast any redelivery budget.
        max_deliver: -1,
        priority_policy: "pinned_client",
        priority_groups: [PROJECTOR_GROUP],
        priority_timeout: nanos(PIN_TIMEOUT_MS),
      });
      const consumer = await deps.nats.js.consumers.get(STREAMS.events, CONSUMERS.projector);
      const source = await consumer.consume({
        max_messages: deps.batchSize,
        expires: Math.max(1_000, deps.fetchExpiresMs ?? 1_000),
        group: PROJECTOR_GROUP,
      });
      messages = source;
      keepAlive = setInterval(() => {
        for (const msg of inbox) msg.working();
        for (const msg of inHand) msg.working();
      }, ACK_WAIT_MS / 3);
      loops = Promise.allSettled([read(source), write(), watchPin(source)]);
      log.info({ batchSize: deps.batchSize }, "projector started");
    },
    async stop() {
      stopped.abort();
      wake?.();
      await messages?.close().catch(() => undefined);
      await loops;
      clearInterval(keepAlive);
      // Delivered but never written: back to the stream for whichever projector runs next.
      for (const msg of inbox.splice(0)) msg.nak();
      log.info("projector stopped");
    },
  };
}
