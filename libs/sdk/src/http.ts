import type { z } from "zod";
import { ConnectionError } from "./errors.js";
import type { ClientOptions, FetchLike, RetryOptions, TokenSource } from "./options.js";
import { apiErrorOf } from "./problem.js";
import { retryDelayMs } from "./retry.js";
import { sleep } from "./sleep.js";
import { checked } from "./validate.js";

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface HttpRequest {
  method: "GET" | "POST" | "DELETE";
  /** From the API's root, e.g. `/api/ai/jobs/`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as multipart/form-data. */
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  retry?: RetryOptions | false | undefined;
}

const RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * The transport every call goes through: the URL, the bearer token, JSON and multipart bodies, the opt-in retry of
 * 429/503, and the error of any non-2xx answer (`ApiError`, or `ConnectionError` when nothing answered).
 */
export class Http {
  private readonly base: string;
  private readonly fetchFn: FetchLike;
  private readonly token: TokenSource;
  private readonly retry: RetryOptions | false;
  private readonly headers: Record<string, string>;

  constructor(options: ClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== "http:" && base.protocol !== "https:") {
      throw new TypeError(`baseUrl must be an http(s) URL, not ${options.baseUrl}`);
    }
    let prefix = base.pathname;
    while (prefix.endsWith("/")) prefix = prefix.slice(0, -1);
    this.base = `${base.origin}${prefix}`;
    // The platform's fetch, bound: called unbound it throws "Illegal invocation" in browsers.
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.token = options.token;
    this.retry = options.retry ?? false;
    this.headers = { ...options.headers };
  }

  /** The absolute URL of an API path with its query (a repeated value for an array). */
  url(path: string, query: Record<string, QueryValue> = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined) continue;
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        params.append(name, String(value));
      } else for (const item of value) params.append(name, item);
    }
    const search = params.toString();
    return `${this.base}${path}${search ? `?${search}` : ""}`;
  }

  async authorization(): Promise<string> {
    const token = typeof this.token === "string" ? this.token : await this.token();
    return `Bearer ${token}`;
  }

  /** Sends the request (retrying 429/503 when asked to) and answers the 2xx response, or throws. */
  async send(req: HttpRequest): Promise<Response> {
    const policy = req.retry ?? this.retry;
    const attempts = policy ? Math.max(1, Math.floor(policy.attempts)) : 1;
    for (let attempt = 1; ; attempt++) {
      const res = await this.fetchOnce(req);
      if (res.ok) return res;
      const error = await apiErrorOf(res);
      if (!policy || attempt >= attempts || !RETRIED_STATUSES.has(res.status)) throw error;
      const delay = retryDelayMs(error.retryAfter, attempt, policy.maxDelayMs);
      if (delay === undefined) throw error;
      await sleep(delay, req.signal);
    }
  }

  /** Sends the request and checks its JSON answer against the API's schema. */
  async json<T>(req: HttpRequest, schema: z.ZodType<T>): Promise<T> {
    const res = await this.send(req);
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw new ConnectionError(`${req.method} ${req.path}: the answer was cut or is not JSON`, { cause: err });
    }
    return checked(schema, body, `${req.method} ${req.path}`);
  }

  /** One request; a network failure is a ConnectionError, an abort the signal's reason. */
  async fetchOnce(req: HttpRequest, extraHeaders: Record<string, string> = {}): Promise<Response> {
    const headers: Record<string, string> = {
      accept: "application/json, application/problem+json",
      ...this.headers,
      ...req.headers,
      ...extraHeaders,
      authorization: await this.authorization(),
    };
    let body: string | FormData | undefined;
    if (req.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(req.json);
    } else if (req.form !== undefined) {
      body = req.form;
    }
    try {
      return await this.fetchFn(this.url(req.path, req.query), {
        method: req.method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } catch (err) {
      if (req.signal?.aborted) throw req.signal.reason;
      throw new ConnectionError(`${req.method} ${req.path}: ${reasonOf(err)}`, { cause: err });
    }
  }
}

/** A network error's message with its causes' (fetch's "fetch failed" hides the useful part in `cause`). */
function reasonOf(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.length > 0 ? parts.join(": ") : String(err);
}
