import {
  BUCKETS,
  CONSUMERS,
  PRIORITIES,
  type Priority,
  QUEUES,
  type Queue,
  type QueueStatsListView,
  STREAMS,
  SUBJECTS,
} from "@ai-jobs/contracts";
import type { Collections, DeadLetterRecord } from "@ai-jobs/runtime";
import type { JetStreamManager, MsgRequest } from "@nats-io/jetstream";

export interface QueueStat {
  queue: Queue;
  priority: Priority;
  /** Messages waiting for a worker (`num_pending`). */
  backlog: number;
  /** Messages delivered and not yet acked (`num_ack_pending`). */
  inFlight: number;
  /** Messages delivered more than once (`num_redelivered`). */
  redeliveries: number;
  /** The last stream sequence delivered to a worker: the first waiting message comes after it. */
  deliveredSeq: number;
}

/** Reads backlog and in-flight counts from the durable worker consumer of every (queue, priority) pair. */
export async function readQueueStats(jsm: JetStreamManager): Promise<QueueStat[]> {
  const pairs = QUEUES.flatMap((queue) => PRIORITIES.map((priority) => ({ queue, priority })));
  return Promise.all(
    pairs.map(async ({ queue, priority }) => {
      const info = await jsm.consumers.info(STREAMS.jobs, CONSUMERS.worker(queue, priority));
      return {
        queue,
        priority,
        backlog: info.num_pending,
        inFlight: info.num_ack_pending,
        redeliveries: info.num_redelivered,
        deliveredSeq: info.delivered.stream_seq,
      };
    }),
  );
}

/**
 * When the oldest waiting command of a (queue, priority) was stored: the first message on the consumer's filter after
 * the last one delivered (`STREAM.MSG.GET` with `next_by_subj`, one request). The client's types only list `seq` and
 * `last_by_subj`, but the server API takes `next_by_subj` too.
 */
async function oldestWaitingAt(jsm: JetStreamManager, stat: QueueStat): Promise<Date | null> {
  if (stat.backlog === 0) return null;
  const query = { seq: stat.deliveredSeq + 1, next_by_subj: SUBJECTS.jobFilter(stat.queue, stat.priority) };
  const msg = await jsm.streams.getMessage(STREAMS.jobs, query as unknown as MsgRequest);
  return msg ? msg.time : null;
}

interface WorkerHeartbeat {
  queue?: string;
  concurrency?: number;
  inFlight?: number;
  at?: string;
}

/** Heartbeats older than this are not counted, even if the bucket's TTL has not removed them yet. */
const HEARTBEAT_LIVE_MS = 15_000;
const KV_STREAM = `KV_${BUCKETS.workers}`;
const KV_PREFIX = `$KV.${BUCKETS.workers}.`;

/** Live worker heartbeats: the latest value of every key of the WORKERS bucket (read off its stream). */
async function readWorkers(jsm: JetStreamManager, now: number): Promise<WorkerHeartbeat[]> {
  const info = await jsm.streams.info(KV_STREAM, { subjects_filter: `${KV_PREFIX}>` });
  const subjects = Object.keys(info.state.subjects ?? {});
  const beats = await Promise.all(
    subjects.map(async (subject) => {
      const msg = await jsm.streams.getMessage(KV_STREAM, { last_by_subj: subject });
      // A deleted or purged key (worker stopped) has an operation header and no value.
      if (!msg || msg.header?.get("KV-Operation") || msg.data.length === 0) return undefined;
      try {
        const beat = msg.json<WorkerHeartbeat>();
        const at = beat.at ? Date.parse(beat.at) : msg.time.getTime();
        return now - at <= HEARTBEAT_LIVE_MS ? beat : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return beats.filter((b): b is WorkerHeartbeat => b !== undefined);
}

interface FinishedCount {
  _id: { queue: Queue; priority: Priority };
  n: number;
}

/** Jobs finished since `since`, per (queue, priority). */
async function finishedSince(c: Pick<Collections, "jobs">, since: Date): Promise<Map<string, number>> {
  const rows = await c.jobs
    .aggregate<FinishedCount>([
      { $match: { finishedAt: { $gte: since } } },
      { $group: { _id: { queue: "$queue", priority: "$priority" }, n: { $sum: 1 } } },
    ])
    .toArray();
  return new Map(rows.map((r) => [`${r._id.queue}.${r._id.priority}`, r.n]));
}

export interface QueueStatsDeps {
  jsm: JetStreamManager;
  collections: Pick<Collections, "jobs" | "deadLetters">;
}

/**
 * Everything of `GET /api/ai/queues/` but the dead letters: consumer info (backlog, in flight, redeliveries, the
 * first waiting message), live workers, and throughput from `jobs.finishedAt`. Platform-wide; the caller caches it.
 */
export async function readQueueOverview(deps: QueueStatsDeps, now = new Date()): Promise<QueueStatsListView> {
  const t = now.getTime();
  const [stats, workers, last1, last5] = await Promise.all([
    readQueueStats(deps.jsm),
    readWorkers(deps.jsm, t),
    finishedSince(deps.collections, new Date(t - 60_000)),
    finishedSince(deps.collections, new Date(t - 300_000)),
  ]);
  const oldest = await Promise.all(stats.map((s) => oldestWaitingAt(deps.jsm, s)));
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    taken_at: now.toISOString(),
    queues: QUEUES.map((queue) => {
      const priorities = stats
        .map((s, i) => ({ s, oldestAt: oldest[i] ?? null }))
        .filter(({ s }) => s.queue === queue)
        .map(({ s, oldestAt }) => ({
          priority: s.priority,
          backlog: s.backlog,
          in_flight: s.inFlight,
          redeliveries: s.redeliveries,
          oldest_waiting_age_ms: oldestAt ? Math.max(0, t - oldestAt.getTime()) : null,
          throughput_1m: last1.get(`${queue}.${s.priority}`) ?? 0,
          throughput_5m: round((last5.get(`${queue}.${s.priority}`) ?? 0) / 5),
        }));
      const mine = workers.filter((w) => w.queue === queue);
      return {
        queue,
        workers: {
          alive: mine.length,
          concurrency: mine.reduce((sum, w) => sum + (w.concurrency ?? 0), 0),
          in_flight: mine.reduce((sum, w) => sum + (w.inFlight ?? 0), 0),
        },
        dead_letters: 0,
        throughput_1m: priorities.reduce((sum, p) => sum + p.throughput_1m, 0),
        throughput_5m: round(priorities.reduce((sum, p) => sum + p.throughput_5m, 0)),
        priorities,
      };
    }),
  };
}

/** Dead letters of one tenant per queue (the `dead_letters` collection has no priority). */
export async function countDeadLetters(
  c: Pick<Collections, "deadLetters">,
  tenantId: string,
): Promise<Record<Queue, number>> {
  const counts = await Promise.all(
    QUEUES.map((queue) => c.deadLetters.countDocuments({ tenantId, queue } satisfies Partial<DeadLetterRecord>)),
  );
  return Object.fromEntries(QUEUES.map((q, i) => [q, counts[i] ?? 0])) as Record<Queue, number>;
}

/** A value taken at most once per `ttlMs` per key, however many callers ask at once. */
export function cached<T>(ttlMs: number, take: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key) => {
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && now - hit.at < ttlMs) return hit.value;
    // Forget the stale entries now and then, so a cache keyed by tenant stays small.
    for (const [k, e] of entries) if (now - e.at >= ttlMs) entries.delete(k);
    const value = take(key);
    value.catch(() => entries.delete(key));
    entries.set(key, { at: now, value });
    return value;
  };
}
