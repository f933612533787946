import { CONSUMERS, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import {
  ACK_WAIT_MS,
  backoffDelayMs,
  type Collections,
  ensureConsumer,
  type Logger,
  type Messaging,
  type NatsContext,
} from "@ai-jobs/runtime";
import { AckPolicy, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { decodeJobEvent } from "../job-event-message.js";
import { pullLoop } from "../pull-loop.js";
import { sleep } from "../sleep.js";
import { applyEvents, type SequencedEvent } from "./apply-events.js";

export interface ProjectorDeps {
  nats: Pick<NatsContext, "js" | "jsm">;
  messaging: Messaging;
  collections: Pick<Collections, "jobs" | "jobEvents">;
  log: Logger;
  batchSize: number;
  /** Long-poll length of one fetch; bounds how long stop() waits for an idle pull. */
  fetchExpiresMs?: number;
}

export interface Projector {
  start(): Promise<void>;
  /** Stops pulling, finishes the batch in hand (or naks it if MongoDB is down), and resolves when idle. */
  stop(): Promise<void>;
}

const MAX_ACK_PENDING = 2_000;
const WRITE_RETRY = { baseMs: 500, maxMs: 5_000 };
const MIN_RETRY_DELAY_MS = 200;

/**
 * Projects JOB_EVENTS into MongoDB (`job_events` and the job records) through the durable pull consumer that all
 * events replicas share. Messages are acked only after both writes succeed. While MongoDB is down the batch is held
 * (kept alive with `working()`) and its write retried with backoff, so an outage delays the projection, keeps its
 * order, and loses nothing; another replica takes the batch over after ack_wait if this one dies meanwhile.
 */
export function createProjector(deps: ProjectorDeps): Projector {
  const log = deps.log.child({ component: "projector" });
  const stopped = new AbortController();
  let loop: Promise<void> | undefined;

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
        return writeUntilDone(events, msgs);
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
  const writeUntilDone = async (events: SequencedEvent[], msgs: JsMsg[]): Promise<boolean> => {
    const keepAlive = setInterval(() => {
      for (const msg of msgs) msg.working();
    }, ACK_WAIT_MS / 3);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const changed = await applyEvents(deps.collections, events);
          log.debug({ events: events.length, changed }, "batch projected");
          return true;
        } catch (err) {
          if (stopped.signal.aborted) return false;
          const delay = Math.max(MIN_RETRY_DELAY_MS, backoffDelayMs(WRITE_RETRY, attempt));
          log.warn({ err, attempt, delayMs: delay, messages: msgs.length }, "projection write failed; retrying");
          await sleep(delay, stopped.signal);
          if (stopped.signal.aborted) return false;
        }
      }
    } finally {
      clearInterval(keepAlive);
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
      });
      const consumer = await deps.nats.js.consumers.get(STREAMS.events, CONSUMERS.projector);
      loop = pullLoop({
        consumer,
        signal: stopped.signal,
        log,
        batch: deps.batchSize,
        expiresMs: deps.fetchExpiresMs ?? 1_000,
        handle: project,
      });
      log.info({ batchSize: deps.batchSize }, "projector started");
    },
    async stop() {
      stopped.abort();
      await loop;
      log.info("projector stopped");
    },
  };
}
