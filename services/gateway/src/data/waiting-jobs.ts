import { type Priority, type Queue, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import type { JetStreamManager } from "@nats-io/jetstream";

/** Counts one tenant's jobs in one queue and priority. */
export type WaitingJobCounter = (queue: Queue, priority: Priority, tenantId: string) => Promise<number>;

/**
 * The commands JOBS holds on the tenant's subject, waiting or running (a work queue keeps a command until it is
 * acked): one JetStream API request, answered from the stream's per-subject index.
 */
export function createWaitingJobCounter(jsm: JetStreamManager): WaitingJobCounter {
  return async (queue, priority, tenantId) => {
    const subject = SUBJECTS.job(queue, priority, tenantId);
    const info = await jsm.streams.info(STREAMS.jobs, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  };
}
