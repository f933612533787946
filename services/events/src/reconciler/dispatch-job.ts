import type { DispatchRecord } from "@ai-jobs/contracts";
import { type JobEventPublisher, type Logger, type Messaging, publishCommand, publishQueued } from "@ai-jobs/runtime";
import { JetStreamApiError } from "@nats-io/jetstream";

export interface DispatchDeps {
  messaging: Messaging;
  events: JobEventPublisher;
  log: Logger;
}

export type ReconcileRecord = DispatchRecord & { runAt?: Date | null | undefined; retries?: number | undefined };

/**
 * Publishes an accepted job exactly as the gateway does (the shared `publishQueued` / `publishCommand`, with the
 * same message ids, so whatever the gateway did publish before it failed is dropped as a duplicate): the `queued`
 * event, then the command, or for a `runAt` still in the future its schedule. Throws when the command or schedule is
 * not published.
 */
export async function dispatchJob(
  deps: DispatchDeps,
  record: ReconcileRecord,
  now: Date = new Date(),
): Promise<"command" | "schedule"> {
  const opts = { runAt: record.runAt ?? undefined, retry: record.retries ?? 0, now };
  try {
    await publishQueued(deps.events, record, { ...opts, at: record.createdAt });
  } catch (err) {
    // As in the gateway: a refusal of the event must not hold the job back; an unreachable NATS must.
    if (!(err instanceof JetStreamApiError)) throw err;
    deps.log.warn({ err, jobId: record._id }, "could not publish the queued event");
  }
  await publishCommand(deps.messaging, record, opts);
  return opts.runAt && opts.runAt.getTime() > now.getTime() ? "schedule" : "command";
}
