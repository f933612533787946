/** One dispatch run of one system. Latencies in ms; rates in jobs/s. */
export interface DispatchRun {
  jobs: number;
  concurrency: number;
  enqueuePerS: number;
  drainPerS: number;
  startP50: number;
  startP99: number;
  /** Submit → terminal state stored where the system stores it (see `terminalMeans`). */
  terminalP50: number;
  terminalP99: number;
}

export interface DispatchOptions {
  jobs: number;
  concurrency: number;
  /** Submits in flight at once: the same producer window for every system. */
  window: number;
  timeoutMs: number;
  /**
   * Enqueue everything before the worker starts: the enqueue rate without a consumer competing, and the drain rate
   * of a full queue (worker start → done with the last job). No latencies then (they would be the enqueue time).
   */
  prefill?: boolean;
}
