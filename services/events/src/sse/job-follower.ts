import {
  EVENT_KINDS,
  formatSse,
  isTerminal,
  type JobEvent,
  type JobStatus,
  type SseMessage,
  STREAMS,
  SUBJECTS,
  statusAfter,
  toSseMessages,
} from "@ai-jobs/contracts";
import type { Logger } from "@ai-jobs/runtime";
import { type Consumer, DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { decodeJobEvent } from "../job-event-message.js";

/** What the job record says when the client connects. */
export interface JobSnapshot {
  jobId: string;
  status: JobStatus;
  /** Sequence of the last event applied to the record. */
  seq: number;
}

export interface FollowPlan {
  /** Stand-ins for finished jobs with no terminal event left in JOB_EVENTS: a `meta` with the record's status. */
  preamble: SseMessage[];
  /** Jobs whose terminal event the client has not seen yet: their events are streamed until it arrives. */
  pending: string[];
}

/** Where a job's latest run stands in JOB_EVENTS: the sequences of its latest terminal event and latest retry. */
export interface JobEnds {
  terminalSeq?: number | undefined;
  /** A `queued` event with `data.retry`: an explicit retry, which reopens a finished job. */
  retrySeq?: number | undefined;
}

export type JobEndsLookup = (jobId: string) => Promise<JobEnds>;

const TERMINAL_KINDS = EVENT_KINDS.filter((kind) => {
  const status = statusAfter(kind);
  return status !== undefined && isTerminal(status);
});

/** Whether an event reopens its job: an explicit retry (`queued` with `data.retry`), as in the projection. */
export const isRetryEvent = (event: JobEvent): boolean => event.kind === "queued" && event.data.retry !== undefined;

/**
 * Looks a job's latest terminal event and latest `queued` event up in JOB_EVENTS by subject (one cheap request per
 * kind). The latest `queued` event counts only when it is a retry.
 */
export function jobEndsLookup(jsm: JetStreamManager, tenantId: string): JobEndsLookup {
  const last = (jobId: string, kind: string) =>
    jsm.streams.getMessage(STREAMS.events, { last_by_subj: SUBJECTS.event(tenantId, jobId, kind) });
  return async (jobId) => {
    const [queued, ...terminals] = await Promise.all([
      last(jobId, "queued"),
      ...TERMINAL_KINDS.map((kind) => last(jobId, kind)),
    ]);
    const seqs = terminals.flatMap((m) => (m ? [m.seq] : []));
    const decoded = queued ? decodeJobEvent(queued) : undefined;
    return {
      terminalSeq: seqs.length > 0 ? Math.max(...seqs) : undefined,
      retrySeq: queued && decoded?.ok && isRetryEvent(decoded.event) ? queued.seq : undefined,
    };
  };
}

/**
 * Decides what a connection still owes the client. The stream, not the record, says whether a job has finished,
 * so a resume is right even while the projection lags behind. A job's latest status event decides:
 * - a job retried after its latest terminal event is running again: it is followed, whatever the client has seen;
 * - a job with a terminal event at or before `afterSeq` is done: the client has it;
 * - a job with a terminal event after it is followed, and the replay will reach that event;
 * - a finished job with no terminal event left in the stream (aged out after 7 days) gets a `meta` from its record;
 * - any other job is followed until its terminal event is published.
 */
export async function planFollow(
  jobs: readonly JobSnapshot[],
  afterSeq: number | undefined,
  endsOf: JobEndsLookup,
): Promise<FollowPlan> {
  const resumed = afterSeq !== undefined;
  const found = await Promise.all(
    jobs.map(async (job) => ({
      job,
      ends: resumed || isTerminal(job.status) ? await endsOf(job.jobId) : {},
    })),
  );
  const preamble: SseMessage[] = [];
  const pending: string[] = [];
  for (const { job, ends } of found) {
    const { terminalSeq, retrySeq } = ends;
    if (retrySeq !== undefined && retrySeq > (terminalSeq ?? 0)) {
      pending.push(job.jobId);
    } else if (terminalSeq !== undefined) {
      if (!(afterSeq !== undefined && terminalSeq <= afterSeq)) pending.push(job.jobId);
    } else if (isTerminal(job.status)) {
      if (!(afterSeq !== undefined && job.seq <= afterSeq)) {
        preamble.push({ event: "meta", id: String(job.seq), data: { job_id: job.jobId, status: job.status } });
      }
    } else {
      pending.push(job.jobId);
    }
  }
  preamble.sort((a, b) => Number(a.id) - Number(b.id));
  return { preamble, pending };
}

export interface FollowOptions {
  js: JetStreamClient;
  tenantId: string;
  jobIds: readonly string[];
  /** Resume after this stream sequence (Last-Event-ID); from the start of the jobs' history when undefined. */
  afterSeq: number | undefined;
  log: Pick<Logger, "warn">;
  /** Messages pulled ahead of the client; a slow client holds at most this many per connection. */
  bufferMessages?: number;
}

export interface JobFollower {
  /**
   * Serialised SSE messages, one chunk per event, in stream order: the history after `afterSeq`, then live events
   * with no gap (one ordered consumer serves both). Ends once every followed job has reached a terminal status and
   * the history is exhausted, or when `signal` aborts.
   */
  stream(signal: AbortSignal): AsyncGenerator<string>;
  /** Deletes the ephemeral consumer. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_BUFFER = 64;

/** Creates the connection's ordered consumer, filtered on the followed jobs of the caller's tenant. */
export async function openJobFollower(opts: FollowOptions): Promise<JobFollower> {
  const consumer: Consumer = await opts.js.consumers.get(STREAMS.events, {
    filter_subjects: opts.jobIds.map((id) => SUBJECTS.eventsOfJob(opts.tenantId, id)),
    ...(opts.afterSeq === undefined
      ? { deliver_policy: DeliverPolicy.All }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: opts.afterSeq + 1 }),
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= consumer.delete().then(
      () => undefined,
      () => undefined,
    );
    return closed;
  };

  async function* stream(signal: AbortSignal): AsyncGenerator<string> {
    if (signal.aborted) return;
    const statuses = new Map<string, JobStatus | undefined>(opts.jobIds.map((id) => [id, undefined]));
    const allTerminal = () => [...statuses.values()].every((s) => s !== undefined && isTerminal(s));
    const messages = await consumer.consume({ max_messages: opts.bufferMessages ?? DEFAULT_BUFFER });
    const stop = () => messages.stop();
    signal.addEventListener("abort", stop, { once: true });
    try {
      for await (const msg of messages) {
        const decoded = decodeJobEvent(msg);
        if (!decoded.ok) {
          opts.log.warn(
            { seq: msg.seq, subject: msg.subject, reason: decoded.reason },
            "invalid job event not streamed",
          );
        } else if (statuses.has(decoded.event.jobId)) {
          const { event } = decoded;
          const current = statuses.get(event.jobId);
          const next = statusAfter(event.kind);
          // As in the projection, a terminal status is final, except after an explicit retry: the job's latest
          // status event decides, so a history with a later run goes on to that run's end.
          if (isRetryEvent(event)) statuses.set(event.jobId, "queued");
          else if (next !== undefined && !(current !== undefined && isTerminal(current)))
            statuses.set(event.jobId, next);
          yield toSseMessages(event, msg.seq).map(formatSse).join("");
        }
        // Stop only when caught up, so a history that goes on past a terminal event is still sent in full.
        if (msg.info.pending === 0 && allTerminal()) return;
      }
    } finally {
      signal.removeEventListener("abort", stop);
      messages.stop();
    }
  }

  return { stream, close };
}
