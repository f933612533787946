/** Stores output lines, optionally keeping only the last `max`, and tells listeners about each new one. */
export class LineLog {
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();

  constructor(private readonly max = Number.POSITIVE_INFINITY) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    for (const listener of this.listeners) listener(line);
  }

  all(): string[] {
    return [...this.lines];
  }

  tail(n: number): string[] {
    return this.lines.slice(-n);
  }

  /** Calls `listener` for every later line; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
