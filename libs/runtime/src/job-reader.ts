import {
  foldJobEvents,
  isJobType,
  JobEvent,
  type JobRecord,
  newJobRecord,
  type SequencedEvent,
  STREAMS,
  SUBJECTS,
} from "@ai-jobs/contracts";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { Collection } from "mongodb";
import type { JobOutbox } from "./job-outbox.js";
import type { Logger } from "./logger.js";
import type { JobOutboxEntry } from "./mongo.js";

/**
 * Reads a job as its events make it now. JOB_EVENTS is the job's state of record and MongoDB's `jobs` its
 * projection, which lags by however long the projector takes: so the stored record is overlaid with the latest
 * event of each kind from JOB_EVENTS (one direct get) through the projector's own rules (`foldJobEvents`). A job
 * answers as soon as its submit was acked, and its terminal status as soon as the worker stored it, before the
 * projector has written anything. A job NATS could not take yet is read from the outbox.
 */
export interface JobReader {
  /** Null when the tenant has no such job. */
  find(tenantId: string, jobId: string): Promise<JobRecord | null>;
}

export interface JobReaderDeps {
  jobs: Collection<JobRecord>;
  jsm: Pick<JetStreamManager, "direct">;
  outbox: Pick<JobOutbox, "find">;
  log: Pick<Logger, "debug">;
}

export function createJobReader(deps: JobReaderDeps): JobReader {
  return {
    async find(tenantId, jobId) {
      const [stored, events] = await Promise.all([
        deps.jobs.findOne({ _id: jobId, tenantId }),
        latestEventsOf(deps.jsm, tenantId, jobId).catch((err: unknown) => {
          // NATS unreachable: the stored record is the best answer there is.
          deps.log.debug({ err, jobId }, "job events unreadable; answering from the stored record");
          return [];
        }),
      ]);
      const job = foldJobEvents(stored ?? undefined, events);
      if (job) return job;
      const held = await deps.outbox.find(tenantId, jobId);
      return held ? recordOfHeld(held) : null;
    },
  };
}

/**
 * The newest event of each kind of one job: every kind that changes the record is there, and the projection rules
 * only need the newest of each (the one partial exception: a progress event without `step` keeps the step the
 * stored record has, not the one an unprojected earlier progress event set).
 */
export async function latestEventsOf(
  jsm: Pick<JetStreamManager, "direct">,
  tenantId: string,
  jobId: string,
): Promise<SequencedEvent[]> {
  const messages = await jsm.direct.getLastMessagesFor(STREAMS.events, {
    multi_last: [SUBJECTS.eventsOfJob(tenantId, jobId)],
  });
  const events: SequencedEvent[] = [];
  for await (const msg of messages) {
    const parsed = JobEvent.safeParse(safeJson(() => msg.json()));
    // The subject names the tenant and job; a body claiming another is not this job's event.
    if (parsed.success && parsed.data.jobId === jobId && parsed.data.tenantId === tenantId) {
      events.push({ seq: msg.seq, event: parsed.data });
    }
  }
  return events;
}

/** A job only the outbox holds so far: queued, as it will be once published. */
function recordOfHeld(entry: JobOutboxEntry): JobRecord | null {
  if (!isJobType(entry.type)) return null;
  return newJobRecord({
    jobId: entry.jobId,
    tenantId: entry.tenantId,
    userId: entry.spec.userId,
    type: entry.type,
    priority: entry.spec.priority,
    payload: entry.spec.payload,
    now: entry.spec.createdAt,
    traceId: entry.spec.traceId,
    idempotencyKey: entry.spec.idempotencyKey,
    runAt: entry.runAt,
    webhookUrl: entry.spec.webhook?.url ?? null,
  });
}

function safeJson(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    return undefined;
  }
}
