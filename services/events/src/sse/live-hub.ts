import { formatSse, type JobEvent, STREAMS, SUBJECTS, toSseMessages } from "@ai-jobs/contracts";
import type { Logger, Messaging } from "@ai-jobs/runtime";
import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { decodeJobEvent } from "../job-event-message.js";

/** One JOB_EVENTS message as the hub hands it out: decoded once, serialised once, shared by every connection. */
export interface LiveEvent {
  seq: number;
  event: JobEvent;
  /** The SSE frame(s) of the event, ready to write. */
  frame: string;
}

export type LiveListener = (live: LiveEvent) => void;

/** Where a connection listens: a set of jobs of one tenant, or every job of the tenant. */
export type LiveTopic = { tenantId: string; jobIds: readonly string[] } | { tenantId: string; all: true };

export interface LiveHub {
  /**
   * Registers a listener; every event stored after this call is handed to it, in stream order, and possibly some
   * stored shortly before (a joining connection dedupes by seq). Returns the unsubscribe function.
   */
  subscribe(topic: LiveTopic, listener: LiveListener): () => void;
  /** Open listeners, for metrics and tests. */
  size(): number;
  close(): Promise<void>;
}

export const HUB_CONSUMER_PREFIX = "sse_hub";

const jobKey = (tenantId: string, jobId: string) => `${tenantId}\u0000${jobId}`;

/**
 * One ordered consumer per events replica on JOB_EVENTS (every subject), fanning each new event out in memory to the
 * connections that follow its job or its tenant. It starts right after the stream's last sequence at start-up, so it
 * hands out every event stored after `startLiveHub` resolves: a connection that subscribes then replays the history
 * up to where its replay ends misses nothing (see `live-stream.ts`).
 */
export async function startLiveHub(opts: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Pick<Logger, "warn" | "error">;
  /** Traces each fan-out of an event to its connections (a CONSUMER span in the job's trace). */
  messaging?: Pick<Messaging, "consume">;
}): Promise<LiveHub> {
  const info = await opts.jsm.streams.info(STREAMS.events);
  const consumer = await opts.js.consumers.get(STREAMS.events, {
    // Unique per hub: replicas (or apps in one process) sharing a connection must not share a consumer name.
    name_prefix: `${HUB_CONSUMER_PREFIX}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`,
    filter_subjects: ["events.>"],
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: info.state.last_seq + 1,
  });
  const messages = await consumer.consume({ max_messages: 1_000 });
  const byJob = new Map<string, Set<LiveListener>>();
  const byTenant = new Map<string, Set<LiveListener>>();
  let listeners = 0;

  const deliver = (set: Set<LiveListener> | undefined, live: LiveEvent) => {
    if (!set) return;
    for (const listener of set) {
      try {
        listener(live);
      } catch (err) {
        opts.log.error({ err, seq: live.seq }, "SSE listener failed");
      }
    }
  };

  const loop = (async () => {
    for await (const msg of messages) {
      if (byJob.size === 0 && byTenant.size === 0) continue;
      const decoded = decodeJobEvent(msg);
      if (!decoded.ok) {
        opts.log.warn({ seq: msg.seq, subject: msg.subject, reason: decoded.reason }, "invalid job event not streamed");
        continue;
      }
      const { event } = decoded;
      const jobListeners = byJob.get(jobKey(event.tenantId, event.jobId));
      const tenantListeners = byTenant.get(event.tenantId);
      if (!jobListeners && !tenantListeners) continue;
      const live: LiveEvent = {
        seq: msg.seq,
        event,
        frame: toSseMessages(event, msg.seq).map(formatSse).join(""),
      };
      const fanOut = () => {
        deliver(jobListeners, live);
        deliver(tenantListeners, live);
      };
      if (!opts.messaging) {
        fanOut();
        continue;
      }
      await opts.messaging.consume(msg, { consumer: HUB_CONSUMER_PREFIX, spanName: "sse fan-out" }, async (span) => {
        span.setAttributes({
          "job.id": event.jobId,
          "job.event": event.kind,
          "tenant.id": event.tenantId,
          "sse.clients": (jobListeners?.size ?? 0) + (tenantListeners?.size ?? 0),
        });
        fanOut();
      });
    }
  })().catch((err: unknown) => opts.log.error({ err }, "SSE live hub stopped"));

  const add = (map: Map<string, Set<LiveListener>>, key: string, listener: LiveListener) => {
    const set = map.get(key);
    if (set) set.add(listener);
    else map.set(key, new Set([listener]));
  };
  const remove = (map: Map<string, Set<LiveListener>>, key: string, listener: LiveListener) => {
    const set = map.get(key);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) map.delete(key);
  };

  return {
    subscribe(topic, listener) {
      listeners++;
      const keys = "all" in topic ? [] : [...new Set(topic.jobIds)].map((id) => jobKey(topic.tenantId, id));
      if ("all" in topic) add(byTenant, topic.tenantId, listener);
      for (const key of keys) add(byJob, key, listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        listeners--;
        if ("all" in topic) remove(byTenant, topic.tenantId, listener);
        for (const key of keys) remove(byJob, key, listener);
      };
    },
    size: () => listeners,
    async close() {
      messages.stop();
      await loop;
      await consumer.delete().catch(() => undefined);
    },
  };
}

/** The subject filter of a topic in JOB_EVENTS. */
export const topicSubjects = (topic: LiveTopic): string[] =>
  "all" in topic
    ? [SUBJECTS.eventsOfTenant(topic.tenantId)]
    : topic.jobIds.map((id) => SUBJECTS.eventsOfJob(topic.tenantId, id));
