import {
  EVENT_KINDS,
  formatSse,
  isTerminal,
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

/** The sequence of a job's latest terminal event still in the stream, if any. */
export type TerminalSeqLookup = (jobId: string) => Promise<number | undefined>;

const TERMINAL_KINDS = EVENT_KINDS.filter((kind) => {
  const status = statusAfter(kind);
  return status !== undefined && isTerminal(status);
});

/** Looks the terminal events of a job up in JOB_EVENTS by subject (one cheap request per terminal kind). */
export function terminalSeqLookup(jsm: JetStreamManager, tenantId: string): TerminalSeqLookup {
  return async (jobId) => {
    const found = await Promise.all(
      TERMINAL_KINDS.map((kind) =>
        jsm.streams.getMessage(STREAMS.events, { last_by_subj: SUBJECTS.event(tenantId, jobId, kind) }),
      ),
    );
    const seqs = found.flatMap((m) => (m ? [m.seq] : []));
    return seqs.length > 0 ? Math.max(...seqs) : undefined;
  };
}

/**
 * Decides what a connection still owes the client. The stream, not the record, says whether a job has finished,
 * so a resume is right even while the projection lags behind:
 * - a job with a terminal event at or before `afterSeq` is done: the client has it;
 * - a job with a terminal event after it is followed, and the replay will reach that event;
 * - a finished job with no terminal event left in the stream (aged out after 7 days) gets a `meta` from its record;
 * - any other job is followed until its terminal event is published.
 */
export async function planFollow(
  jobs: readonly JobSnapshot[],
  afterSeq: number | undefined,
  lastTerminalSeq: TerminalSeqLookup,
): Promise<FollowPlan> {
  const resumed = afterSeq !== undefined;
  const found = await Promise.all(
    jobs.map(async (job) => ({
      job,
      terminalSeq: resumed || isTerminal(job.status) ? await lastTerminalSeq(job.jobId) : undefined,
    })),
  );
  const preamble: SseMessage[] = [];
  const pending: string[] = [];
  for (const { job, terminalSeq } of found) {
    if (terminalSeq !== undefined) {
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
          // As in the projection, a terminal status is final.
          if (next !== undefined && !(current !== undefined && isTerminal(current))) statuses.set(event.jobId, next);
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
