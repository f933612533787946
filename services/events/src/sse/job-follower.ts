import {
  EVENT_KINDS,
  isTerminal,
  type JobEvent,
  type JobStatus,
  type SseMessage,
  STREAMS,
  SUBJECTS,
  statusAfter,
} from "@ai-jobs/contracts";
import type { JetStreamManager } from "@nats-io/jetstream";
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
