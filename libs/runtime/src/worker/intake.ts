import { PRIORITIES, type Priority } from "@ai-jobs/contracts";
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "../logger.js";

export interface IntakeOptions {
  /** The durable pull consumer of each priority. */
  consumers: Readonly<Record<Priority, Consumer>>;
  concurrency: number;
  /** Jobs running now: they use credit like held messages. */
  running(): number;
  /** Messages arrived, or a pull ended: time to dispatch, and to call `pump()` again. */
  changed(): void;
  /** Long-poll length of an idle priority's pull; bounds how long `stop()` waits. */
  idleExpiresMs: number;
  log: Logger;
}

/** One priority's consumer and what the worker holds of it. */
interface Lane {
  readonly priority: Priority;
  readonly consumer: Consumer;
  /** Delivered and not yet running, oldest first. */
  readonly held: JsMsg[];
  /** A pull of this priority is outstanding (at most one at a time). */
  fetching: boolean;
  /** Messages the outstanding pull may still deliver, counted against the credit (0 for an idle long-poll). */
  requested: number;
  /** The consumer's backlog per the last message delivered (`info.pending`); 0 once a pull came back short. */
  backlog: number;
  /** No new pull before this time (ms since epoch), after a failed one. */
  retryAt: number;
}

/** A batch pull's long-poll: the shortest nats.js allows, so credit reserved for a backlog that vanished comes back soon. */
const BATCH_EXPIRES_MS = 1_000;
/** Pause after a failed pull, so a dead server or a missing consumer is not hammered. */
const RETRY_MS = 1_000;

/**
 * Pulls a queue's messages per priority consumer, in batches sized to the worker's free credit:
 * - the highest priority with a backlog (per the last delivery's `info.pending`) gets the batches. Credit: running +
 *   its held + requested ≤ concurrency, plus a quarter of it while that backlog is deep (four times the concurrency
 *   or more, so every other replica still finds plenty), so the next messages are in hand when a slot frees. A pull
 *   asks for at least a quarter of the concurrency (or the whole backlog if smaller), so a deep backlog costs few
 *   requests. A small backlog is never hoarded: what one replica cannot run at once, another pulls.
 * - every other priority keeps one message in hand or on its way, outside the credit: a long-poll when it has no
 *   known backlog, so a critical job is noticed at once even while every slot is busy; a short pull when it has one,
 *   so the PriorityPicker can age it. At most one extra message per priority, as when each held one.
 * Each pull is read to its end as messages arrive, never waiting on job work: nats.js fails a pull whose iterator
 * stalls for two idle heartbeats and drops what it still held.
 */
export class Intake {
  /** Priorities with a message held: what the PriorityPicker chooses from. */
  readonly waiting = new Set<Priority>();
  readonly #lanes: Lane[];
  readonly #byPriority = new Map<Priority, Lane>();
  readonly #pulls = new Set<Promise<void>>();
  /** A batch worth a request: a quarter of the concurrency. */
  readonly #batch: number;
  #requested = 0;
  #stopping = false;
  readonly #retryTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: IntakeOptions) {
    this.#batch = Math.max(1, Math.ceil(opts.concurrency / 4));
    this.#lanes = PRIORITIES.map((priority) => ({
      priority,
      consumer: opts.consumers[priority],
      held: [],
      fetching: false,
      requested: 0,
      backlog: 0,
      retryAt: 0,
    }));
    for (const lane of this.#lanes) this.#byPriority.set(lane.priority, lane);
  }

  /** The oldest held message of a priority, now the caller's to run. */
  take(priority: Priority): JsMsg | undefined {
    const lane = this.#byPriority.get(priority);
    const msg = lane?.held.shift();
    if (!lane || !msg) return undefined;
    if (lane.held.length === 0) this.waiting.delete(priority);
    return msg;
  }

  /** Every held message, for the `working()` heartbeat. */
  *heldMessages(): Iterable<JsMsg> {
    for (const lane of this.#lanes) yield* lane.held;
  }

  /** Issues the pulls the credit allows. Cheap when there is nothing to do: call it whenever credit may have freed. */
  pump(): void {
    if (this.#stopping) return;
    const now = Date.now();
    const top = this.#lanes.find((l) => l.backlog > 0);
    for (const lane of this.#lanes) {
      if (lane === top || lane.fetching || lane.held.length > 0 || lane.retryAt > now) continue;
      // One message in hand or on its way, outside the credit: a long-poll when nothing is known to wait (a critical
      // job is noticed at once), a short pull when some backlog is (the picker can then age it).
      this.#pull(lane, 1, false, lane.backlog > 0 ? BATCH_EXPIRES_MS : this.opts.idleExpiresMs);
    }
    if (!top || top.fetching || top.retryAt > now) return;
    const deep = top.backlog >= 4 * this.opts.concurrency;
    const free =
      this.opts.concurrency + (deep ? this.#batch : 0) - this.opts.running() - top.held.length - this.#requested;
    const size = Math.min(free, top.backlog);
    // A few free slots wait for a worthwhile batch, unless the whole backlog fits: nothing more would come.
    if (size > 0 && size >= Math.min(this.#batch, top.backlog)) this.#pull(top, size, true, BATCH_EXPIRES_MS);
  }

  /** Stops pulling, hands held messages back, and resolves once the outstanding pulls ended (naking what they bring). */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    for (const lane of this.#lanes) {
      for (const msg of lane.held.splice(0)) msg.nak();
    }
    this.waiting.clear();
    await Promise.all(this.#pulls);
  }

  #pull(lane: Lane, size: number, counted: boolean, expires: number): void {
    lane.fetching = true;
    lane.requested = counted ? size : 0;
    this.#requested += lane.requested;
    const pull = this.#read(lane, size, expires).finally(() => {
      this.#pulls.delete(pull);
    });
    this.#pulls.add(pull);
  }

  async #read(lane: Lane, size: number, expires: number): Promise<void> {
    let delivered = 0;
    try {
      const messages = await lane.consumer.fetch({ max_messages: size, expires });
      for await (const msg of messages) {
        delivered += 1;
        if (lane.requested > 0) {
          lane.requested -= 1;
          this.#requested -= 1;
        }
        lane.backlog = msg.info.pending;
        if (this.#stopping) {
          msg.nak();
          continue;
        }
        lane.held.push(msg);
        this.waiting.add(lane.priority);
        this.opts.changed();
      }
      // Came back short: the consumer had nothing more when the pull expired.
      if (delivered < size) lane.backlog = 0;
    } catch (err) {
      if (!this.#stopping) {
        this.opts.log.warn({ err, priority: lane.priority }, "pull failed; retrying");
        lane.backlog = 0;
        lane.retryAt = Date.now() + RETRY_MS;
        const timer = setTimeout(() => {
          this.#retryTimers.delete(timer);
          this.pump();
        }, RETRY_MS);
        this.#retryTimers.add(timer);
      }
    } finally {
      this.#requested -= lane.requested;
      lane.requested = 0;
      lane.fetching = false;
    }
    this.opts.changed();
  }
}
