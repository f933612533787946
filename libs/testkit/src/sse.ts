/** The text/event-stream reader of every test and bench: one SSE response read over Node's fetch. */

/** One parsed message: its `id:` (if any), `event:` (default "message") and its `data:` lines parsed as JSON. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: Record<string, unknown>;
}

export interface SseRead {
  messages: SseEvent[];
  /** The comment lines (`: keep-alive`), without the colon. */
  comments: string[];
  /** True when the server ended the response; false when `until` was satisfied first. */
  ended: boolean;
}

export interface ReadSseOptions {
  /** Stop reading (and cancel the body) once this holds; checked before the first read and after every chunk. */
  until?: (read: SseRead) => boolean;
  /** Give up (and throw, with what was read) after this long (default 10 s). */
  timeoutMs?: number;
}

function parseBlock(block: string, into: SseRead): void {
  let id: string | undefined;
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) {
      into.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length > 0) into.messages.push({ id, event, data: JSON.parse(data.join("\n")) as Record<string, unknown> });
}

/** Reads SSE messages from a response until it ends, `until` holds, or the timeout passes (which throws). */
export async function readSse(res: Response, opts: ReadSseOptions = {}): Promise<SseRead> {
  const body = res.body;
  if (!body) throw new Error("response has no body");
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const read: SseRead = { messages: [], comments: [], ended: false };
  let buffer = "";
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  try {
    for (;;) {
      if (opts.until?.(read)) return read;
      const remaining = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), Math.max(0, remaining));
      });
      const next = await Promise.race([reader.read(), timeout]);
      clearTimeout(timer);
      if (next === "timeout") {
        throw new Error(`SSE read timed out; got so far: ${JSON.stringify(read)}`);
      }
      if (next.done) {
        read.ended = true;
        return read;
      }
      buffer += next.value;
      let cut = buffer.indexOf("\n\n");
      while (cut !== -1) {
        parseBlock(buffer.slice(0, cut), read);
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf("\n\n");
      }
    }
  } finally {
    if (!read.ended) await reader.cancel().catch(() => undefined);
  }
}
