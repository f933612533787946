/**
 * A counting semaphore: at most `limit` holders at once, waiters served in arrival order. A waiter whose signal
 * fires leaves the line at once, so a cancelled or timed-out job never holds a slot it is not using.
 */
export interface Limiter {
  run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T>;
  /** Holders allowed at once: what a caller sizes its own parallel work to. */
  readonly limit: number;
  /** Calls running now. */
  readonly active: number;
  /** Calls waiting for a slot. */
  readonly waiting: number;
}

export function createLimiter(limit: number): Limiter {
  let active = 0;
  const queue: Array<() => void> = [];

  const acquire = (signal: AbortSignal): Promise<void> => {
    signal.throwIfAborted();
    if (active < limit) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener("abort", onAbort);
        active += 1;
        resolve();
      };
      const onAbort = () => {
        const i = queue.indexOf(grant);
        if (i >= 0) queue.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      queue.push(grant);
    });
  };

  const release = () => {
    active -= 1;
    queue.shift()?.();
  };

  return {
    async run(signal, work) {
      await acquire(signal);
      try {
        return await work();
      } finally {
        release();
      }
    },
    limit,
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
