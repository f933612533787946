/**
 * A local copy of the cancellation flags: job id → when it was flagged, oldest first. A flag older than the bucket's
 * TTL is forgotten, as the server forgets it (an expiry sends no delete to a watch).
 */
export class CancelFlags {
  readonly #flaggedAt = new Map<string, number>();

  /** `ttlMs` 0: flags never expire. */
  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  set(jobId: string, flaggedAt: number): void {
    // Re-inserted, so the map stays in flagging order and expiry only ever looks at its head.
    this.#flaggedAt.delete(jobId);
    this.#flaggedAt.set(jobId, flaggedAt);
    this.#expire();
  }

  delete(jobId: string): void {
    this.#flaggedAt.delete(jobId);
  }

  has(jobId: string): boolean {
    const at = this.#flaggedAt.get(jobId);
    if (at === undefined) return false;
    if (this.ttlMs > 0 && this.now() - at >= this.ttlMs) {
      this.#flaggedAt.delete(jobId);
      return false;
    }
    return true;
  }

  get size(): number {
    return this.#flaggedAt.size;
  }

  #expire(): void {
    if (this.ttlMs <= 0) return;
    const cutoff = this.now() - this.ttlMs;
    for (const [jobId, at] of this.#flaggedAt) {
      if (at > cutoff) return;
      this.#flaggedAt.delete(jobId);
    }
  }
}
