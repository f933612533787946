import type { ServerResponse } from "node:http";

/** Sent to a client that fell too far behind, just before its connection is closed: reconnect in 2 s. */
export const SLOW_CLIENT_GOODBYE = "retry: 2000\n: too slow; reconnect with Last-Event-ID\n\n";

/** How long a closed slow client's socket may take to take the goodbye before it is destroyed. */
const GOODBYE_GRACE_MS = 5_000;

/**
 * Writes SSE frames to one response with a bounded buffer: once the socket refuses more (`write` returns false),
 * frames wait in a queue until 'drain'. When the queue passes `maxBytes` the client is too slow: it gets a retry hint,
 * the response ends and `onOverflow` runs. The client then resumes with Last-Event-ID, from JOB_EVENTS.
 */
export class SseWriter {
  private readonly queue: string[] = [];
  private queued = 0;
  private overflowed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxBytes: number,
    private readonly onOverflow: () => void,
  ) {
    res.on("drain", this.flush);
  }

  /** Bytes waiting for the socket. */
  get pendingBytes(): number {
    return this.queued;
  }

  /** Whether the socket takes more right now (nothing is queued). */
  get writable(): boolean {
    return this.queue.length === 0 && !this.res.writableNeedDrain && !this.closed;
  }

  get closed(): boolean {
    return this.overflowed || this.res.writableEnded || this.res.destroyed;
  }

  /** Queues or writes a frame. Returns false when the connection is (now) closed. */
  send(frame: string): boolean {
    if (this.closed) return false;
    if (this.queue.length > 0 || this.res.writableNeedDrain) {
      this.queue.push(frame);
      this.queued += Buffer.byteLength(frame);
      if (this.queued > this.maxBytes) {
        this.overflow();
        return false;
      }
      return true;
    }
    this.res.write(frame);
    return true;
  }

  /** Writes a keep-alive only when nothing is waiting: a comment never needs to queue. */
  keepAlive(comment: string): void {
    if (this.writable) this.res.write(comment);
  }

  /**
   * Ends the response after whatever is still queued: a stream that finishes while the socket is backed up must
   * still deliver its last frames (the terminal `result`/`meta`). Node buffers them; the queue was bounded anyway.
   */
  end(): void {
    this.res.off("drain", this.flush);
    if (this.closed) return;
    for (const frame of this.queue.splice(0)) this.res.write(frame);
    this.queued = 0;
    this.res.end();
  }

  private readonly flush = () => {
    while (this.queue.length > 0 && !this.closed) {
      const frame = this.queue.shift() as string;
      this.queued -= Buffer.byteLength(frame);
      if (!this.res.write(frame)) return;
    }
  };

  /** Closes the connection as too slow: the retry hint, then the end. */
  overflow(): void {
    if (this.overflowed) return;
    this.overflowed = true;
    this.queue.length = 0;
    this.queued = 0;
    const res = this.res;
    res.end(SLOW_CLIENT_GOODBYE);
    // A client that does not read would keep its socket (and the unsent bytes) forever.
    setTimeout(() => res.destroy(), GOODBYE_GRACE_MS).unref();
    this.onOverflow();
  }
}
