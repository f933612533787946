import { JobEvent, SUBJECTS } from "@ai-jobs/contracts";
import type { PubAck } from "@nats-io/jetstream";
import type { Messaging } from "./messaging.js";

export interface JobEventPublisher {
  /**
   * Publishes a job event. Its `Nats-Msg-Id` is `<jobId>:<attempt>:<kind>[:<n>]`, so a repeated publish of the
   * same event (a retry after a lost ack) is dropped by JetStream; `n` tells apart the progress events of one attempt.
   */
  publish(event: JobEvent, n?: number): Promise<PubAck>;
}

export function createJobEventPublisher(messaging: Messaging): JobEventPublisher {
  return {
    publish(event, n) {
      const checked = JobEvent.parse(event);
      const msgId = `${checked.jobId}:${checked.attempt}:${checked.kind}${n === undefined ? "" : `:${n}`}`;
      return messaging.publish(SUBJECTS.event(checked.tenantId, checked.jobId, checked.kind), checked, {
        msgId,
        attributes: { "job.id": checked.jobId, "job.event": checked.kind },
      });
    },
  };
}
