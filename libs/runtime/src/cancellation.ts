import { setTimeout as sleep } from "node:timers/promises";
import { BUCKETS, CONTROL_KEYS } from "@ai-jobs/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type KV, Kvm, KvWatchInclude } from "@nats-io/kv";
import { CancelFlags } from "./cancel-flags.js";
import type { Logger } from "./logger.js";

export interface CancelRequest {
  tenantId: string;
  /** Who asked (a user id), kept in the flag for operators. */
  requestedBy: string;
}

/**
 * Durable cancellation flags: `cancel.<jobId>` in the file-backed JOB_CONTROL bucket (TTL 7 days), so a request
 * survives a restart of any service. The gateway requests and clears; a worker keeps a copy of every flag through one
 * watch, checks it before each job starts and aborts the running jobs that get cancelled.
 */
export interface Cancellation {
  request(jobId: string, info: CancelRequest): Promise<void>;
  /** Removes the flag (an explicit retry of a cancelled job). Removing is never read as a cancel. */
  clear(jobId: string): Promise<void>;
  /** Reads the flag from the bucket (a round trip). A worker asks its watch instead. */
  isRequested(jobId: string): Promise<boolean>;
  /**
   * Loads every flag in the bucket, then follows changes: resolves once the flags that existed when it was called
   * are all in hand, so `isRequested` on the result answers from memory and a job cancelled long ago is never run.
   * `onCancel` is called for every request made from then on. Across reconnects and server restarts the watch
   * resumes where it left off, so none is missed.
   */
  watch(onCancel: (jobId: string) => void): Promise<CancelWatch>;
}

export interface CancelWatch {
  /** Whether the job's cancellation is flagged, from the watch's copy of the bucket: no round trip. */
  isRequested(jobId: string): boolean;
  stop(): Promise<void>;
}

const CANCEL_PREFIX = CONTROL_KEYS.cancel("");
/** Pause before reopening a watch that ended on its own, so a missing bucket or a dead server is not hammered. */
const REWATCH_DELAY_MS = 1_000;

export function createCancellation(js: JetStreamClient, log?: Logger): Cancellation {
  let opened: Promise<KV> | undefined;
  const bucket = () => {
    opened ??= new Kvm(js).open(BUCKETS.control).catch((err: unknown) => {
      opened = undefined; // a later call retries instead of failing forever
      throw err;
    });
    return opened;
  };

  return {
    async request(jobId, info) {
      const kv = await bucket();
      await kv.put(CONTROL_KEYS.cancel(jobId), JSON.stringify({ ...info, at: new Date().toISOString() }));
    },
    async clear(jobId) {
      const kv = await bucket();
      await kv.delete(CONTROL_KEYS.cancel(jobId));
    },
    async isRequested(jobId) {
      const kv = await bucket();
      const entry = await kv.get(CONTROL_KEYS.cancel(jobId));
      return entry?.operation === "PUT";
    },
    async watch(onCancel) {
      const kv = await bucket();
      const status = await kv.status();
      const flags = new CancelFlags(status.ttl);
      const { messages, last_seq } = status.streamInfo.state;
      // The flags to load before resolving: everything up to the bucket's last revision now. Later revisions are
      // new requests (notified); reopening resumes after the last revision seen, so none is skipped or repeated.
      const snapshot = messages === 0 ? 0 : last_seq;
      let revision = 0;
      // The whole bucket, not only `cancel.>`: the snapshot's last revision is then always delivered, whatever its key.
      const open = () => kv.watch({ include: KvWatchInclude.AllHistory, resumeFromRevision: revision + 1 });
      let watcher = await open();
      const stop = new AbortController();
      // Aborted once every flag of the snapshot is in hand.
      const load = new AbortController();
      const loaded = new Promise<void>((resolve) => load.signal.addEventListener("abort", () => resolve()));
      if (snapshot === 0) load.abort();

      const loop = (async () => {
        while (!stop.signal.aborted) {
          try {
            for await (const entry of watcher) {
              revision = entry.revision;
              if (entry.key.startsWith(CANCEL_PREFIX)) {
                const jobId = entry.key.slice(CANCEL_PREFIX.length);
                // Only a put is a request: a delete or purge (a clear) never cancels anything.
                if (entry.operation === "PUT") {
                  flags.set(jobId, entry.created.getTime());
                  if (revision > snapshot) notify(onCancel, jobId, log);
                } else {
                  flags.delete(jobId);
                }
              }
              if (revision >= snapshot) load.abort();
            }
          } catch (err) {
            log?.warn({ err }, "cancellation watch failed");
          }
          // The client's ordered consumer rides out reconnects by itself; it only ends when it gave up recreating
          // its consumer (say the server was down for long). Then open a new watch where this one stopped.
          while (!stop.signal.aborted) {
            await sleep(REWATCH_DELAY_MS, undefined, { signal: stop.signal }).catch(() => undefined);
            if (stop.signal.aborted) break;
            try {
              watcher = await open();
              break;
            } catch (err) {
              log?.warn({ err }, "cancellation watch could not be reopened; retrying");
            }
          }
        }
        watcher.stop(); // one opened while stopping
      })();
      const stopWatch = async () => {
        stop.abort();
        watcher.stop();
        await loop;
      };
      void untilLoaded(kv, snapshot, load);
      await loaded;
      return { isRequested: (jobId) => flags.has(jobId), stop: stopWatch };
    },
  };
}

/**
 * The snapshot's last revision can be gone before the watch reaches it only if every flag up to it expired meanwhile:
 * then there is nothing left to load, and the load is done.
 */
async function untilLoaded(kv: KV, snapshot: number, load: AbortController): Promise<void> {
  while (!load.signal.aborted) {
    await sleep(REWATCH_DELAY_MS, undefined, { signal: load.signal }).catch(() => undefined);
    if (load.signal.aborted) return;
    const first = await kv
      .status()
      .then((s) => s.streamInfo.state.first_seq)
      .catch(() => 0);
    if (first > snapshot) load.abort();
  }
}

function notify(onCancel: (jobId: string) => void, jobId: string, log: Logger | undefined): void {
  try {
    onCancel(jobId);
  } catch (err) {
    // One broken listener call must not end the watch for every other job.
    log?.error({ err, job_id: jobId }, "cancellation listener failed");
  }
}
