import type { ServerResponse } from "node:http";
import {
  formatSse,
  isTerminal,
  type JobEvent,
  type JobStatus,
  STREAMS,
  statusAfter,
  toSseMessages,
} from "@ai-jobs/contracts";
import type { Logger } from "@ai-jobs/runtime";
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { decodeJobEvent } from "../job-event-message.js";
import { isRetryEvent } from "./job-follower.js";
import { type LiveEvent, type LiveHub, type LiveTopic, topicSubjects } from "./live-hub.js";
import type { SseWriter } from "./sse-writer.js";

export const REPLAY_CONSUMER_PREFIX = "sse_replay";

/** Messages pulled ahead of a replaying client; a slow client stalls its replay consumer, not the server's memory. */
const REPLAY_BATCH = 64;
const REPLAY_INACTIVE_NS = 30_000 * 1_000_000;

export interface LiveStreamOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  hub: LiveHub;
  topic: LiveTopic;
  /** Replay JOB_EVENTS on the topic after `afterSeq` (from the start when undefined) before going live. */
  replay: boolean;
  afterSeq: number | undefined;
  /** End once every one of these jobs' latest status event is terminal; never end when undefined. */
  endWhenTerminal: readonly string[] | undefined;
  res: ServerResponse;
  writer: SseWriter;
  /** Live events held while the history replays, at most (then the client is closed as too slow). */
  maxBufferedBytes: number;
  signal: AbortSignal;
  log: Pick<Logger, "warn">;
}

/** Tracks the followed jobs' statuses as the projection does: a terminal status is final, except after a retry. */
class Statuses {
  private readonly statuses: Map<string, JobStatus | undefined>;
  constructor(jobIds: readonly string[]) {
    this.statuses = new Map(jobIds.map((id) => [id, undefined]));
  }
  apply(event: JobEvent): void {
    if (!this.statuses.has(event.jobId)) return;
    const current = this.statuses.get(event.jobId);
    const next = statusAfter(event.kind);
    if (isRetryEvent(event)) this.statuses.set(event.jobId, "queued");
    else if (next !== undefined && !(current !== undefined && isTerminal(current)))
      this.statuses.set(event.jobId, next);
  }
  allTerminal(): boolean {
    return [...this.statuses.values()].every((s) => s !== undefined && isTerminal(s));
  }
}

/**
 * Serves one connection with no gap and no duplicate: it subscribes to the replica's live hub first (holding what
 * arrives), replays JOB_EVENTS on its subjects from `afterSeq + 1` with a short-lived consumer until that consumer
 * has nothing pending, then writes the held live events newer than the last replayed sequence and goes live.
 * Every event stored after the subscription reaches the hub, and every matching event stored before the replay's
 * last message is in the replay, so the two overlap and never leave a hole; sequences dedupe the overlap.
 * Resolves when the stream is done: finished, aborted, or closed as too slow.
 */
export async function runLiveStream(opts: LiveStreamOptions): Promise<void> {
  const { writer, signal } = opts;
  const statuses = opts.endWhenTerminal ? new Statuses(opts.endWhenTerminal) : undefined;
  let held: LiveEvent[] | undefined = [];
  let heldBytes = 0;
  let lastSeq = opts.afterSeq ?? 0;

  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onAbort = () => finish();
  signal.addEventListener("abort", onAbort, { once: true });

  const emit = (live: LiveEvent) => {
    if (live.seq <= lastSeq) return;
    lastSeq = live.seq;
    statuses?.apply(live.event);
    if (!writer.send(live.frame)) return finish();
    if (statuses?.allTerminal()) finish();
  };

  const unsubscribe = opts.hub.subscribe(opts.topic, (live) => {
    if (held) {
      held.push(live);
      heldBytes += live.frame.length;
      if (heldBytes > opts.maxBufferedBytes) {
        held = [];
        writer.overflow();
      }
    } else {
      emit(live);
    }
  });
  try {
    if (opts.replay) await replay(opts, statuses, (seq) => (lastSeq = Math.max(lastSeq, seq)));
    if (signal.aborted || writer.closed) return;
    const pending = held;
    held = undefined;
    for (const live of pending) emit(live);
    if (statuses?.allTerminal()) finish();
    await done;
  } finally {
    unsubscribe();
    signal.removeEventListener("abort", onAbort);
  }
}

/** The history on the topic's subjects after `afterSeq`, written with backpressure (await 'drain'). */
async function replay(
  opts: LiveStreamOptions,
  statuses: Statuses | undefined,
  replayed: (seq: number) => void,
): Promise<void> {
  const { res, signal } = opts;
  const info = await opts.jsm.consumers.add(STREAMS.events, {
    name: `${REPLAY_CONSUMER_PREFIX}_${crypto.randomUUID().replaceAll("-", "")}`,
    filter_subjects: topicSubjects(opts.topic),
    ack_policy: AckPolicy.None,
    mem_storage: true,
    inactive_threshold: REPLAY_INACTIVE_NS,
    ...(opts.afterSeq === undefined
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.afterSeq + 1 }),
  });
  try {
    if (info.num_pending === 0 || signal.aborted) return;
    const consumer = await opts.js.consumers.get(STREAMS.events, info.name);
    const messages = await consumer.consume({ max_messages: REPLAY_BATCH });
    const stop = () => messages.stop();
    signal.addEventListener("abort", stop, { once: true });
    try {
      for await (const msg of messages) {
        if (opts.writer.closed) break;
        const decoded = decodeJobEvent(msg);
        if (!decoded.ok) {
          opts.log.warn(
            { seq: msg.seq, subject: msg.subject, reason: decoded.reason },
            "invalid job event not streamed",
          );
        } else {
          statuses?.apply(decoded.event);
          const frame = toFrame(decoded.event, msg.seq);
          if (!res.write(frame)) await drained(res, signal);
        }
        replayed(msg.seq);
        if (signal.aborted || res.destroyed || msg.info.pending === 0) break;
      }
    } finally {
      signal.removeEventListener("abort", stop);
      messages.stop();
    }
  } finally {
    await opts.jsm.consumers.delete(STREAMS.events, info.name).catch(() => undefined);
  }
}

const toFrame = (event: JobEvent, seq: number) => toSseMessages(event, seq).map(formatSse).join("");

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || res.destroyed) return resolve();
    const finished = () => {
      res.off("drain", finished);
      res.off("close", finished);
      signal.removeEventListener("abort", finished);
      resolve();
    };
    res.once("drain", finished);
    res.once("close", finished);
    signal.addEventListener("abort", finished, { once: true });
  });
}
