import {
  dispatchRecordOf,
  type JobEventPublisher,
  type JobOutboxEntry,
  type Logger,
  type Messaging,
  publishCommand,
  publishQueued,
} from "@ai-jobs/runtime";
import { JetStreamApiError } from "@nats-io/jetstream";

export interface DispatchDeps {
  messaging: Messaging;
  events: JobEventPublisher;
  log: Logger;
}

/**
 * Publishes a held dispatch exactly as its submit meant to (the shared `publishQueued` / `publishCommand`, with the
 * same message ids, so whatever did get through before is dropped as a duplicate): the `queued` event, then the
 * command, or for a `runAt` still in the future its schedule. Throws when the command or schedule is not published.
 */
export async function dispatchHeld(
  deps: DispatchDeps,
  entry: JobOutboxEntry,
  now: Date = new Date(),
): Promise<"command" | "schedule"> {
  const record = dispatchRecordOf(entry);
  const opts = { runAt: entry.runAt ?? undefined, retry: entry.retry, now };
  try {
    // Awaited before the command: a retry's `queued` reopens the record, and the command must not overtake it.
    await publishQueued(deps.events, record, { ...opts, at: entry.createdAt });
  } catch (err) {
    // A refusal of the event must not hold the job back; an unreachable NATS must.
    if (!(err instanceof JetStreamApiError)) throw err;
    deps.log.warn({ err, jobId: record._id }, "could not publish the queued event");
  }
  await publishCommand(deps.messaging, record, opts);
  return opts.runAt && opts.runAt.getTime() > now.getTime() ? "schedule" : "command";
}
