import { QUEUE_HISTORY_WINDOW_MS, type QueueSampleRecord, type QueueStatsListView } from "@ai-jobs/contracts";
import type { Logger } from "@ai-jobs/runtime";
import type { QueueSampleStore } from "../data/queue-samples.js";

export interface QueueSamplerDeps {
  store: QueueSampleStore;
  /** The figures of `GET /queues/` (cached by the caller). */
  read: () => Promise<QueueStatsListView>;
  intervalMs: number;
  log: Logger;
  now?: () => number;
}

/** The slot a time falls in: its start, as the sample's `_id`. */
export const slotOf = (at: number, intervalMs: number): string =>
  new Date(Math.floor(at / intervalMs) * intervalMs).toISOString();

/** What a sample keeps of the figures: backlog, in flight and throughput per queue and priority, live workers. */
export function toSample(slot: string, view: QueueStatsListView): QueueSampleRecord {
  return {
    _id: slot,
    at: new Date(view.taken_at),
    queues: view.queues.map((q) => ({
      queue: q.queue,
      backlog: q.priorities.reduce((sum, p) => sum + p.backlog, 0),
      in_flight: q.priorities.reduce((sum, p) => sum + p.in_flight, 0),
      throughput_1m: q.throughput_1m,
      workers_alive: q.workers.alive,
      priorities: q.priorities.map((p) => ({
        priority: p.priority,
        backlog: p.backlog,
        in_flight: p.in_flight,
        throughput_1m: p.throughput_1m,
      })),
    })),
  };
}

/**
 * Takes one sample for the current slot unless a replica already did, and prunes the samples that left the window.
 * Answers whether this call stored the slot's sample.
 */
export async function sampleOnce(deps: QueueSamplerDeps): Promise<boolean> {
  const now = (deps.now ?? Date.now)();
  const slot = slotOf(now, deps.intervalMs);
  if (await deps.store.has(slot)) return false;
  const stored = await deps.store.insert(toSample(slot, await deps.read()));
  await deps.store.pruneBefore(slotOf(now - QUEUE_HISTORY_WINDOW_MS, deps.intervalMs));
  return stored;
}

/**
 * Samples the queue figures once per interval slot into the bounded store, on every gateway replica: the slot's
 * record id makes one sample per slot in all (docs/ARCHITECTURE.md, "Queue history"). Ticks just after each slot
 * starts; a failed tick is logged and the next slot tries again.
 */
export function startQueueSampler(deps: QueueSamplerDeps): { stop(): Promise<void> } {
  const now = deps.now ?? Date.now;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    // A little after the slot starts, so that replicas whose clocks differ slightly still agree on the slot.
    const wait = deps.intervalMs - (now() % deps.intervalMs) + Math.min(250, deps.intervalMs / 10);
    timer = setTimeout(tick, wait);
    timer.unref();
  };
  const tick = () => {
    running = sampleOnce(deps)
      .catch((err: unknown) => deps.log.warn({ err }, "could not sample the queue figures"))
      .finally(schedule);
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
