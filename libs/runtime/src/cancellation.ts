import { setTimeout as sleep } from "node:timers/promises";
import { BUCKETS, CONTROL_KEYS } from "@ai-jobs/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type KV, Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { Logger } from "./logger.js";

export interface CancelRequest {
  tenantId: string;
  /** Who asked (a user id), kept in the flag for operators. */
  requestedBy: string;
}

/**
 * Durable cancellation flags: `cancel.<jobId>` in the file-backed JOB_CONTROL bucket (TTL 7 days), so a request
 * survives a restart of any service. The gateway requests and clears; workers check at start and watch while running.
 */
export interface Cancellation {
  request(jobId: string, info: CancelRequest): Promise<void>;
  /** Removes the flag (an explicit retry of a cancelled job). Removing is never read as a cancel. */
  clear(jobId: string): Promise<void>;
  isRequested(jobId: string): Promise<boolean>;
  /**
   * Calls `onCancel` for every request made from now on. Resolves once the watch is in place, with a function that
   * stops it. Across reconnects and server restarts the watch resumes where it left off, so none is missed.
   */
  watch(onCancel: (jobId: string) => void): Promise<() => Promise<void>>;
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
      // Start right after the bucket's last revision rather than "new only": every later reopening then resumes
      // from the last revision seen, so a request made while a watcher was being replaced is still delivered.
      let revision = (await kv.status()).streamInfo.state.last_seq;
      const open = () => kv.watch({ key: CONTROL_KEYS.cancelAll, resumeFromRevision: revision + 1 });
      let watcher = await open();
      const stop = new AbortController();

      const loop = (async () => {
        while (!stop.signal.aborted) {
          try {
            for await (const entry of watcher) {
              revision = entry.revision;
              if (isCancel(entry)) notify(onCancel, entry.key.slice(CANCEL_PREFIX.length), log);
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

      return async () => {
        stop.abort();
        watcher.stop();
        await loop;
      };
    },
  };
}

/** Only a put is a request: a delete or purge (clear, or the TTL expiring) never cancels anything. */
const isCancel = (entry: KvWatchEntry) => entry.operation === "PUT" && entry.key.startsWith(CANCEL_PREFIX);

function notify(onCancel: (jobId: string) => void, jobId: string, log: Logger | undefined): void {
  try {
    onCancel(jobId);
  } catch (err) {
    // One broken listener call must not end the watch for every other job.
    log?.error({ err, job_id: jobId }, "cancellation listener failed");
  }
}
