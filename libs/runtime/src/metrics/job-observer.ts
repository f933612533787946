import { SUBJECTS } from "@ai-jobs/contracts";
import type { JobEventPublisher } from "../job-events.js";
import type { Messaging } from "../messaging.js";
import type { Metrics } from "./metrics.js";

/** Attempts whose start is remembered for their duration; past it the oldest are forgotten (a crash mid-attempt). */
const MAX_OPEN_ATTEMPTS = 10_000;

const OUTCOME_OF: Partial<Record<string, string>> = {
  succeeded: "succeeded",
  failed: "failed",
  retrying: "retried",
  cancelled: "cancelled",
};

/**
 * Counts jobs from the events this service publishes: every outcome of every job goes through the job event
 * publisher before the message is settled, so the counters cannot miss or invent an outcome. An attempt's duration
 * is measured from its `started` event to its outcome event when both are published here (the worker that ran it).
 */
export function observeJobEvents(events: JobEventPublisher, metrics: Metrics): JobEventPublisher {
  const startedAt = new Map<string, number>();
  return {
    async publish(event, identity) {
      const ack = await events.publish(event, identity);
      // JetStream dropped it as a repeat of an event already stored (a retried publish): already counted.
      if (ack.duplicate) return ack;
      const type = event.type;
      const key = `${event.jobId}:${identity?.run ?? 0}:${event.attempt}`;
      switch (event.kind) {
        case "started":
          metrics.jobsStarted.inc({ type });
          if (startedAt.size >= MAX_OPEN_ATTEMPTS) {
            const oldest = startedAt.keys().next().value;
            if (oldest !== undefined) startedAt.delete(oldest);
          }
          startedAt.set(key, performance.now());
          break;
        case "succeeded":
          metrics.jobsSucceeded.inc({ type });
          break;
        case "failed":
          metrics.jobsFailed.inc({ type, code: event.data.error.code });
          break;
        case "retrying":
          metrics.jobsRetried.inc({ type });
          break;
        case "cancelled":
          metrics.jobsCancelled.inc({ type });
          break;
      }
      const outcome = OUTCOME_OF[event.kind];
      const start = startedAt.get(key);
      if (outcome !== undefined && start !== undefined) {
        startedAt.delete(key);
        metrics.jobDuration.observe({ type, outcome }, (performance.now() - start) / 1_000);
      }
      return ack;
    },
  };
}

/** Counts dead letters where they are made: every copy into JOBS_DLQ is a publish on `dlq.<queue>`. */
export function observeDeadLetters(messaging: Messaging, metrics: Metrics): Messaging {
  // "dlq.>" → "dlq."
  const prefix = SUBJECTS.deadLettersAll.slice(0, -1);
  return {
    ...messaging,
    async publish(subject, payload, opts) {
      const ack = await messaging.publish(subject, payload, opts);
      // A duplicate is the same dead letter made twice (worker and max-deliveries advisory): count it once.
      if (!ack.duplicate && subject.startsWith(prefix))
        metrics.jobsDeadLettered.inc({ queue: subject.slice(prefix.length) });
      return ack;
    },
  };
}
