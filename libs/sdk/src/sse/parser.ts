/** One dispatched `text/event-stream` message, as the WHATWG HTML spec's "dispatch the event" step makes it. */
export interface SseMessage {
  /** `event:`, `message` when the message named none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last `id:` seen so far on this connection (the spec's "last event ID buffer"), if any. */
  id: string | undefined;
}

/** What one chunk of the stream gave: messages, and `retry:` reconnection times (ms). */
export type SseItem = { kind: "message"; message: SseMessage } | { kind: "retry"; ms: number };

/**
 * An incremental parser of the `text/event-stream` format (HTML Living Standard, "Server-sent events", 9.2.6): lines
 * end with CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the next are one line end), a
 * leading BOM is dropped, `:` lines are comments, one space after the colon is dropped, `data:` lines accumulate,
 * an `id:` holding a NUL is ignored, `retry:` takes ASCII digits only, and a blank line dispatches the message
 * (none when it has no data). Whatever is pending when the stream ends is discarded, as the spec says, so a
 * message cut by a broken connection is never delivered half.
 */
export class SseParser {
  private buffer = "";
  private started = false;
  /** The previous chunk ended with a CR: an LF starting this one belongs to it. */
  private pendingCr = false;
  private data: string[] = [];
  private event = "";
  private lastId: string | undefined;

  /** Feeds decoded text; returns what it completed. */
  feed(text: string): SseItem[] {
    let chunk = text;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.startsWith("\uFEFF")) chunk = chunk.slice(1);
    }
    if (this.pendingCr && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.pendingCr = false;
    this.buffer += chunk;

    const items: SseItem[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (char !== "\n" && char !== "\r") continue;
      this.line(this.buffer.slice(start, i), items);
      if (char === "\r") {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer[i + 1] === "\n") i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return items;
  }

  private line(line: string, items: SseItem[]): void {
    if (line === "") {
      this.dispatch(items);
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\u0000")) this.lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) items.push({ kind: "retry", ms: Number(value) });
        break;
    }
  }

  private dispatch(items: SseItem[]): void {
    const event = this.event;
    const data = this.data;
    this.event = "";
    this.data = [];
    if (data.length === 0) return;
    items.push({ kind: "message", message: { event: event || "message", data: data.join("\n"), id: this.lastId } });
  }
}
