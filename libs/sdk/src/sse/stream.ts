import { ApiError, ConnectionError, ResponseError } from "../errors.js";
import type { Http, QueryValue } from "../http.js";
import { apiErrorOf } from "../problem.js";
import { sleep } from "../sleep.js";
import { toWatchEvent, type WatchEvent } from "./events.js";
import { type SseItem, SseParser } from "./parser.js";
import { ResumeCursor } from "./resume.js";

export const STREAM_PATH = "/api/ai/jobs/stream/";

export interface ReconnectOptions {
  /** The wait before the first reconnection after a failure (default 250 ms), doubled per failure in a row. */
  initialDelayMs?: number;
  /** The longest wait between two connections (default 10 s), unless the server asks for more. */
  maxDelayMs?: number;
  /** Reconnections in a row that may fail (deliver no event) before the iterator throws a ConnectionError (default 10). */
  maxAttempts?: number;
  /**
   * No byte for this long and the connection is taken for dead and replaced (default 45 s; the server sends a
   * keep-alive comment every 15 s).
   */
  idleTimeoutMs?: number;
}

export interface StreamOptions {
  /** Aborting it ends the iteration: the iterator throws the signal's reason (an `AbortError`). */
  signal?: AbortSignal;
  /** Resume after this SSE id (a `lastEventId` kept from an earlier iteration), instead of from the start. */
  lastEventId?: string;
  reconnect?: ReconnectOptions;
}

/** Decides, event by event, what a stream delivers, and whether a stream the server ended is over. */
export interface StreamTracker {
  /** False: a repeat of something already delivered (skipped). Called before `apply`. */
  isNew(event: WatchEvent): boolean;
  apply(event: WatchEvent): void;
  /** Checked when the server ends the stream: true ends the iteration, false reconnects. */
  finished(): boolean;
}

/** Statuses on which a reconnection may succeed; any other refusal is thrown. */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

const DEFAULTS = { initialDelayMs: 250, maxDelayMs: 10_000, maxAttempts: 10, idleTimeoutMs: 45_000 } as const;

/**
 * The typed events of `GET /api/ai/jobs/stream/?…` over fetch (so with the Authorization header), reconnecting by
 * itself: after a broken connection, a server restart, a 429/5xx or a silent connection, it reconnects with
 * `Last-Event-ID` and backoff, and delivers every event once, in order (`ResumeCursor`). It ends when the server
 * ends the stream and the tracker agrees that every job has ended, or on a 204 (nothing owed); other refusals
 * (400, 401, 403, 404) are thrown as `ApiError`.
 */
export async function* eventStream(
  http: Http,
  query: Record<string, QueryValue>,
  tracker: StreamTracker | undefined,
  options: StreamOptions = {},
): AsyncGenerator<WatchEvent, void, undefined> {
  const settings = { ...DEFAULTS, ...options.reconnect };
  const { signal } = options;
  const cursor = new ResumeCursor(options.lastEventId);
  let failures = 0;
  let lastError: unknown;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    let delivered = 0;
    let retryHintMs: number | undefined;
    const connection = linkedController(signal);
    const idle = new IdleTimer(settings.idleTimeoutMs, () => connection.controller.abort());
    try {
      const lastEventId = cursor.connect();
      const res = await http.fetchOnce(
        { method: "GET", path: STREAM_PATH, query, signal: connection.controller.signal },
        { accept: "text/event-stream", ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId }) },
      );
      if (res.status === 204) return;
      if (res.status !== 200 || !res.body) {
        const error = await apiErrorOf(res);
        if (!TRANSIENT_STATUSES.has(res.status)) throw error;
        lastError = error;
        if (error.retryAfter !== undefined) retryHintMs = error.retryAfter * 1000;
      } else {
        for await (const item of itemsOf(res.body, idle)) {
          if (item.kind === "retry") {
            retryHintMs = item.ms;
            continue;
          }
          if (!cursor.accept(item.message.id)) continue;
          const event = toWatchEvent(item.message);
          if (event === undefined || (tracker && !tracker.isNew(event))) continue;
          tracker?.apply(event);
          delivered++;
          // The caller's time with an event is not the server's silence.
          idle.stop();
          yield event;
          idle.touch();
        }
        // The server ends a job stream once every job's latest status is terminal; it decides, since a terminal
        // status in the history may be followed by a retry. Ended early (a restart, a slow client let go): resume.
        if (tracker?.finished()) return;
        lastError = new ConnectionError("the event stream ended early");
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // Refusals and malformed events are final; a dropped, reset or silent connection is not.
      if (err instanceof ApiError || err instanceof ResponseError) throw err;
      lastError = err;
    } finally {
      idle.stop();
      connection.release();
    }
    failures = delivered > 0 ? 1 : failures + 1;
    if (failures > settings.maxAttempts) {
      throw new ConnectionError(`the event stream is lost: ${failures} connections in a row failed`, {
        cause: lastError,
      });
    }
    const backoff = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** (failures - 1));
    await sleep(retryHintMs ?? backoff / 2 + Math.random() * (backoff / 2), signal);
  }
}

async function* itemsOf(body: ReadableStream<Uint8Array>, idle: IdleTimer): AsyncGenerator<SseItem> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      idle.touch();
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/** A controller of one connection that also aborts when the caller's signal does. */
function linkedController(signal: AbortSignal | undefined): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  return {
    controller,
    release() {
      signal?.removeEventListener("abort", onAbort);
      controller.abort();
    },
  };
}

/** Calls `onIdle` once nothing was touched for `ms`. */
class IdleTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {
    this.touch();
  }
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onIdle, this.ms);
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}
