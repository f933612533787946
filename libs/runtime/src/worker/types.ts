import type { JobCommand, JobError, JobType, PayloadOf, ProgressData, ResultOf } from "@ai-jobs/contracts";
import type { Logger } from "../logger.js";

export interface JobContext<T extends JobType> {
  command: JobCommand;
  payload: PayloadOf<T>;
  /** 1 for the first delivery; JetStream's delivery count. */
  attempt: number;
  /** Fires on timeout, cancellation or shutdown. Pass it to every fetch/openai call and check it in long loops. */
  signal: AbortSignal;
  log: Logger;
  progress(update: ProgressData): Promise<void>;
}

export type JobHandler<T extends JobType> = (ctx: JobContext<T>) => Promise<ResultOf<T>>;

/**
 * Called once when a job of type T ends without a result, before its terminal event: it failed for good (permanent
 * error or last attempt), or it was cancelled (`error.code` CANCELLED). The domain record (a plan's
 * `generation_status`, a document's `ingest_status`) records it with `last_error`. The payload is the command's raw
 * one: the failure may be that it was invalid.
 */
export type FailureHook<T extends JobType = JobType> = (
  command: JobCommand & { type: T },
  error: JobError,
  log: Logger,
) => Promise<void>;
