import type { JobEventView, JobView } from "@ai-jobs/contracts";
import { useEffect, useRef, useState } from "preact/hooks";
import { failureOf, useSession } from "../session.js";
import { applyEvent, isTerminal } from "./live-list.js";
import { type DraftDay, mergePartial } from "./partial.js";

export interface LiveJob {
  job: JobView | undefined;
  /** Its stored history (`GET /jobs/{id}/events/`), read again whenever its status changes. */
  events: JobEventView[];
  /** The content drafted so far (a plan generation's days), from the progress events. */
  drafted: DraftDay[];
  error: string | undefined;
  /** Bumped whenever the job's status changed: what depends on it (usage, webhooks) reads again. */
  version: number;
  /** The job as an action on this page answered it (a cancel, a retry): a retried job is followed again. */
  set(job: JobView): void;
}

const REFRESH_MS = 400;

/**
 * One job, live: read once, then followed with the SDK's `watch` (which replays its history first, so the drafted
 * content is rebuilt however late the page opens, and ends once the job is finished). Status changes read the job
 * and its events again; a retry from this page follows the job anew.
 */
export function useLiveJob(jobId: string): LiveJob {
  const session = useSession();
  const { client } = session;
  const [job, setJob] = useState<JobView | undefined>(undefined);
  const [events, setEvents] = useState<JobEventView[]>([]);
  const [drafted, setDrafted] = useState<DraftDay[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const [run, setRun] = useState(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const abort = new AbortController();
    const refresh = () => {
      Promise.all([client.getJob(jobId), client.events(jobId)]).then(
        ([fresh, history]) => {
          if (abort.signal.aborted) return;
          setJob(fresh);
          setEvents(history);
          setVersion((v) => v + 1);
          setError(undefined);
        },
        (err: unknown) => {
          if (!abort.signal.aborted) setError(failureOf(session, err));
        },
      );
    };
    const refreshSoon = () => {
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(refresh, REFRESH_MS);
    };
    setDrafted([]);
    refresh();
    (async () => {
      try {
        for await (const event of client.watch(jobId, { signal: abort.signal })) {
          if (event.type === "progress" && event.partial !== undefined) {
            const partial = event.partial;
            setDrafted((days) => mergePartial(days, partial));
          }
          setJob((current) => (current ? applyEvent(current, event) : current));
          if (event.type !== "progress") refreshSoon();
        }
      } catch (err) {
        if (!abort.signal.aborted) setError(failureOf(session, err));
      }
    })();
    return () => {
      abort.abort();
      clearTimeout(refreshTimer.current);
    };
  }, [jobId, run]);

  return {
    job,
    events,
    drafted,
    error,
    version,
    set(changed) {
      // A finished job's stream is over: a retried one is followed again.
      if (job && isTerminal(job.status) && !isTerminal(changed.status)) setRun((n) => n + 1);
      setJob(changed);
    },
  };
}
