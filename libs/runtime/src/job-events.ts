import { JobEvent, SUBJECTS } from "@ai-jobs/contracts";
import type { PubAck } from "@nats-io/jetstream";
import type { Messaging } from "./messaging.js";

export interface EventIdentity {
  /** The JOBS stream sequence of the command being run: a re-run of the same job id is a new run. */
  run?: number;
  /** Tells apart the progress events of one attempt. */
  n?: number;
}

export interface JobEventPublisher {
  /**
   * Publishes a job event. Its `Nats-Msg-Id` is `<jobId>:<run>:<attempt>:<kind>[:<n>]`, so a repeated publish of the
   * same event (a retry after a lost ack) is dropped by JetStream, while a retried job's events are not.
   */
  publish(event: JobEvent, identity?: EventIdentity): Promise<PubAck>;
}

export function createJobEventPublisher(messaging: Messaging): JobEventPublisher {
  return {
    publish(event, identity = {}) {
      const checked = JobEvent.parse(event);
      const { run = 0, n } = identity;
      const msgId = `${checked.jobId}:${run}:${checked.attempt}:${checked.kind}${n === undefined ? "" : `:${n}`}`;
      return messaging.publish(SUBJECTS.event(checked.tenantId, checked.jobId, checked.kind), checked, {
        msgId,
        attributes: { "job.id": checked.jobId, "job.event": checked.kind },
      });
    },
  };
}
