import { CONSUMERS, PRIORITIES, type Priority, QUEUES, type Queue, STREAMS } from "@ai-jobs/contracts";
import type { JetStreamManager } from "@nats-io/jetstream";

export interface QueueStat {
  queue: Queue;
  priority: Priority;
  /** Messages waiting for a worker (`num_pending`). */
  backlog: number;
  /** Messages delivered and not yet acked (`num_ack_pending`). */
  inFlight: number;
}

/** Reads backlog and in-flight counts from the durable worker consumer of every (queue, priority) pair. */
export async function readQueueStats(jsm: JetStreamManager): Promise<QueueStat[]> {
  const pairs = QUEUES.flatMap((queue) => PRIORITIES.map((priority) => ({ queue, priority })));
  return Promise.all(
    pairs.map(async ({ queue, priority }) => {
      const info = await jsm.consumers.info(STREAMS.jobs, CONSUMERS.worker(queue, priority));
      return { queue, priority, backlog: info.num_pending, inFlight: info.num_ack_pending };
    }),
  );
}
