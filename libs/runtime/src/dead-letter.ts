import { HEADERS, type JobError, type Queue, SUBJECTS } from "@ai-jobs/contracts";
import type { PubAck } from "@nats-io/jetstream";
import type { Messaging } from "./messaging.js";

export interface DeadLetter {
  queue: Queue;
  /** The command's original bytes, kept untouched so an operator can replay it as it was. */
  data: Uint8Array;
  /** The command's `Nats-Msg-Id` (its job id), or "unknown" for bytes that carried none. */
  jobId: string;
  originalSubject: string;
  error: JobError;
  attempts: number;
  /** The command's JOBS stream sequence: part of the dead letter's msg id. */
  streamSeq: number;
}

/**
 * Copies a command to `dlq.<queue>` with the error, attempts and original subject in headers. The msg id is
 * `<jobId>:<streamSeq>:dlq`, so the worker and the events service (max_deliver advisories) dead-lettering the same
 * delivery produce one dead letter, while a later run of the same job id gets its own.
 */
export function publishDeadLetter(messaging: Messaging, letter: DeadLetter): Promise<PubAck> {
  return messaging.publish(SUBJECTS.deadLetter(letter.queue), letter.data, {
    msgId: `${letter.jobId}:${letter.streamSeq}:dlq`,
    headers: {
      [HEADERS.error]: letter.error.message.slice(0, 1_000),
      [HEADERS.errorCode]: letter.error.code,
      [HEADERS.attempts]: String(letter.attempts),
      [HEADERS.originalSubject]: letter.originalSubject,
    },
  });
}
