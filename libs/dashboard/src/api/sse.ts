import { ApiError, ConnectionError } from "./errors.js";

/** One SSE message of `GET /jobs/stream/` (docs/API.md, "SSE"): `meta`, `progress`, `result` or `error`. */
export interface StreamEvent {
  id: string | undefined;
  event: string;
  data: { job_id: string } & Record<string, unknown>;
}

export interface StreamRequest {
  url: string;
  authorization: string;
  errorOf: (res: Response) => Promise<ApiError>;
}

/** Statuses after which reconnecting may work; any other refusal ends the stream with its ApiError. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);
const MAX_BACKOFF_MS = 10_000;

/**
 * The stream's events over fetch, reconnecting after a broken connection or a transient refusal with `Last-Event-ID`
 * (so nothing is missed) and a growing pause; a 204 (nothing owed) ends it, as does the signal.
 */
export async function* streamEvents(req: StreamRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  let lastId: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    let waitMs = Math.min(MAX_BACKOFF_MS, 500 * 2 ** failures);
    try {
      const res = await fetch(req.url, {
        headers: {
          authorization: req.authorization,
          accept: "text/event-stream",
          ...(lastId === undefined ? {} : { "last-event-id": lastId }),
        },
        signal,
      });
      if (res.status === 204) return;
      if (!res.ok || !res.body) {
        const error = await req.errorOf(res);
        if (!TRANSIENT.has(res.status)) throw error;
        if (error.retryAfter !== undefined) waitMs = error.retryAfter * 1000;
      } else {
        for await (const message of messagesOf(res.body)) {
          failures = 0;
          if (message.id !== undefined) lastId = message.id;
          yield message;
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError) throw err;
    }
    failures++;
    await pause(waitMs, signal);
  }
}

async function* messagesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const message = parseMessage(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (message) yield message;
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** One block of `field: value` lines; comments (keep-alives) and blocks without data are skipped. */
export function parseMessage(block: string): StreamEvent | undefined {
  let id: string | undefined;
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.join("\n"));
  } catch {
    throw new ConnectionError("the event stream sent malformed data");
  }
  if (typeof parsed !== "object" || parsed === null || typeof (parsed as { job_id?: unknown }).job_id !== "string") {
    return undefined;
  }
  return { id, event, data: parsed as StreamEvent["data"] };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
