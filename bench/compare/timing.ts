/** Per-job clocks of a dispatch run: submit, handler start, terminal. One process, one monotonic clock. */
import { percentile } from "../stats.js";

export class JobClock {
  readonly submitted = new Map<string, number>();
  readonly started = new Map<string, number>();
  readonly terminal = new Map<string, number>();
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  submit(key: string, at = performance.now()): void {
    this.submitted.set(key, at);
  }
  start(key: string): void {
    if (!this.started.has(key)) this.started.set(key, performance.now());
  }
  finish(key: string, at = performance.now()): void {
    if (this.terminal.has(key)) return;
    this.terminal.set(key, at);
    for (const w of this.waiters.filter((w) => this.terminal.size >= w.n)) w.resolve();
    this.waiters = this.waiters.filter((w) => this.terminal.size < w.n);
  }
  /** Resolves when `n` jobs reached their terminal state, or rejects after `timeoutMs`. */
  finished(n: number, timeoutMs: number, what: string): Promise<void> {
    if (this.terminal.size >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what}: ${this.terminal.size}/${n} jobs finished after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
  /** p50 and p99 of `to - submitted` over the jobs present in both. */
  latency(to: Map<string, number>): { p50: number; p99: number } {
    const ms: number[] = [];
    for (const [key, at] of to) {
      const t0 = this.submitted.get(key);
      if (t0 !== undefined) ms.push(at - t0);
    }
    return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
  }
  firstSubmit(): number {
    return Math.min(...this.submitted.values());
  }
  lastTerminal(): number {
    return Math.max(...this.terminal.values());
  }
}

/** Runs `task(i)` for i in [0, count) with at most `window` in flight: the same producer shape for every system. */
export async function windowed(count: number, window: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}
