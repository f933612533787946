import type { JobEvent } from "@ai-jobs/contracts";

/** A job event with its JOB_EVENTS stream sequence, which is its id. */
export interface SequencedEvent {
  seq: number;
  event: JobEvent;
}
