import type { JobView } from "@ai-jobs/contracts";
import type { JobListFilter } from "@ai-jobs/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { isUnauthorized } from "../api/errors.js";
import { failureOf, useSession } from "../session.js";
import { applyEvent, upsert } from "./live-list.js";

/** Unknown jobs looked up one by one per flush at most; more than this and the first page is read again instead. */
const MAX_LOOKUPS = 20;
const FLUSH_MS = 1_000;
const PAGE = 50;
/** After the SDK gave up reconnecting (the gateway gone for a while), the next try. */
const RESTART_MS = 5_000;

export interface LiveJobs {
  jobs: JobView[];
  nextCursor: string | null;
  loading: boolean;
  error: string | undefined;
  /** The SSE stream of all the tenant's jobs is being followed (false after it failed, until it is open again). */
  live: boolean;
  loadMore(): void;
  /** Puts jobs the page changed (a cancel, a retry) in at once, before their events arrive. */
  replace(updated: JobView[]): void;
}

/**
 * The filtered list of jobs, kept live by the SSE stream of every job of the tenant (`tail`, `all=1`): a listed job
 * changes with its events, a new one is looked up and put in when it matches the filters, and one that stops
 * matching leaves.
 */
export function useLiveJobs(query: JobListFilter, belongs: (job: JobView) => boolean): LiveJobs {
  const session = useSession();
  const { client } = session;
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | undefined>(undefined);
  const [live, setLive] = useState(false);
  const [reloads, setReloads] = useState(0);
  const belongsRef = useRef(belongs);
  belongsRef.current = belongs;
  const known = useRef(new Set<string>());
  const key = JSON.stringify(query);

  const fail = (err: unknown) => setError(failureOf(session, err));

  useEffect(() => {
    let current = true;
    setLoading(true);
    client.listJobsPage({ ...query, limit: PAGE }).then(
      (page) => {
        if (!current) return;
        setJobs(page.items);
        setNextCursor(page.next_cursor);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!current) return;
        fail(err);
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [key, reloads]);

  useEffect(() => {
    known.current = new Set(jobs.map((j) => j.job_id));
  }, [jobs]);

  // One stream for the page's life, whatever the filters.
  useEffect(() => {
    const abort = new AbortController();
    const unknown = new Set<string>();
    const flush = setInterval(() => {
      if (unknown.size === 0) return;
      const ids = [...unknown];
      unknown.clear();
      if (ids.length > MAX_LOOKUPS) {
        setReloads((n) => n + 1);
        return;
      }
      for (const id of ids) {
        client.getJob(id).then(
          (job) => setJobs((list) => upsert(list, job, belongsRef.current(job))),
          () => undefined,
        );
      }
    }, FLUSH_MS);
    (async () => {
      while (!abort.signal.aborted) {
        try {
          setLive(true);
          for await (const event of client.tail({ signal: abort.signal })) {
            const id = event.job_id;
            if (!known.current.has(id)) {
              unknown.add(id);
              continue;
            }
            setJobs((list) => {
              const job = list.find((j) => j.job_id === id);
              if (!job) return list;
              const next = applyEvent(job, event);
              return upsert(list, next, belongsRef.current(next));
            });
          }
        } catch (err) {
          if (abort.signal.aborted) return;
          setLive(false);
          fail(err);
          if (isUnauthorized(err)) return;
          await new Promise((resolve) => setTimeout(resolve, RESTART_MS));
        }
      }
    })();
    return () => {
      abort.abort();
      clearInterval(flush);
      setLive(false);
    };
  }, []);

  return {
    jobs,
    nextCursor,
    loading,
    error,
    live,
    loadMore() {
      if (!nextCursor) return;
      client.listJobsPage({ ...query, limit: PAGE, cursor: nextCursor }).then((page) => {
        setJobs((list) => [...list, ...page.items.filter((j) => !list.some((k) => k.job_id === j.job_id))]);
        setNextCursor(page.next_cursor);
      }, fail);
    },
    replace(updated) {
      setJobs((list) => updated.reduce((acc, job) => upsert(acc, job, belongsRef.current(job)), list));
    },
  };
}
