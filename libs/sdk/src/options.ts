/** The `fetch` the client calls: the platform's by default; inject one for tests, proxies or instrumentation. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** A bearer token (JWT, API key `aij_…`), or a function that returns a fresh one before each request. */
export type TokenSource = string | (() => string | Promise<string>);

/**
 * Opt-in retry of 429 and 503 answers, never of any other status: a submit refused with either never runs (a full
 * queue's refusal is listed as a failed job) and its Idempotency-Key is free again, so a retry runs the work once.
 * The wait is the answer's `Retry-After` (plus up to 250 ms of jitter), else an exponential backoff from 500 ms.
 */
export interface RetryOptions {
  /** Requests sent at most, the first included (`3`: up to two retries). */
  attempts: number;
  /** The longest wait before a retry (default 30 s): a longer `Retry-After` is not waited out, its error is thrown. */
  maxDelayMs?: number;
}

export interface ClientOptions {
  /** The gateway's base URL, e.g. `https://ai.example.com` (the API lives under its `/api/ai/`). */
  baseUrl: string;
  token: TokenSource;
  fetch?: FetchLike;
  /** Retry of 429 and 503 for every call (off by default); a call's own `retry` wins. */
  retry?: RetryOptions | false;
  /** Extra headers on every request (`X-Request-Id`, say). */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  signal?: AbortSignal;
  retry?: RetryOptions | false;
}

export interface SubmitRequestOptions extends RequestOptions {
  /** `Idempotency-Key`: the same key and request again answers the first job instead of creating another. */
  idempotencyKey?: string;
}
