import { z } from "zod";
import { Priority, Queue } from "./queues.js";

/** How far back `GET /api/ai/queues/history/` reaches: the samples kept. */
export const QUEUE_HISTORY_WINDOW_MS = 60 * 60_000;

/** The collection of queue samples (a bounded store: the sampler deletes what is older than the window). */
export const QUEUE_SAMPLES_COLLECTION = "queue_samples";

/** One (queue, priority) in a sample. */
export const QueuePrioritySampleView = z.object({
  priority: Priority,
  backlog: z.number().int(),
  in_flight: z.number().int(),
  /** Jobs finished in the minute before the sample. */
  throughput_1m: z.number(),
});

export const QueueSampleQueueView = z.object({
  queue: Queue,
  backlog: z.number().int(),
  in_flight: z.number().int(),
  throughput_1m: z.number(),
  workers_alive: z.number().int(),
  priorities: z.array(QueuePrioritySampleView),
});
export type QueueSampleQueueView = z.infer<typeof QueueSampleQueueView>;

/** The `GET /api/ai/queues/` figures of one moment, kept for the history. */
export const QueueSampleView = z.object({ at: z.string(), queues: z.array(QueueSampleQueueView) });
export type QueueSampleView = z.infer<typeof QueueSampleView>;

/** `GET /api/ai/queues/history/`: the samples of the last hour, oldest first, one per `interval_ms` at most. */
export const QueueHistoryView = z.object({
  interval_ms: z.number().int(),
  window_ms: z.number().int(),
  samples: z.array(QueueSampleView),
});
export type QueueHistoryView = z.infer<typeof QueueHistoryView>;

/**
 * A stored sample. `_id` is the start of its interval slot (ISO), so the replicas that sample the same slot write
 * one record between them: the first insert wins, the others get a duplicate key and drop theirs.
 */
export interface QueueSampleRecord {
  _id: string;
  at: Date;
  queues: QueueSampleQueueView[];
}
