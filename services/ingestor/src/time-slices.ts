import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Work written as a generator: each `yield` ends a step of bounded length. The same steps run to the end at once
 * (`runToEnd`, for pure callers and tests) or a slice at a time (`runInSlices`, in a worker, where a long stretch of
 * synchronous work would stop heartbeats, cancellation and every other job on the event loop).
 */
export type Steps<T> = Generator<void, T, void>;

export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export interface SliceOptions {
  /** Longest stretch of steps before the event loop gets a turn. */
  sliceMs: number;
  /** Checked at each turn: an aborted job stops between slices. */
  signal?: AbortSignal;
  now?: () => number;
}

/** Runs steps for up to `sliceMs` at a time, then lets the event loop run (timers, I/O) before going on. */
export async function runInSlices<T>(steps: Steps<T>, opts: SliceOptions): Promise<T> {
  const now = opts.now ?? (() => performance.now());
  let sliceStart = now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (now() - sliceStart >= opts.sliceMs) {
      await nextTurn();
      opts.signal?.throwIfAborted();
      sliceStart = now();
    }
  }
}
