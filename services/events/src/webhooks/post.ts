import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { ResolvedAddress } from "./target-policy.js";

export interface PostResult {
  /** The HTTP status, when an answer came back before the timeout. */
  status?: number;
  /** Why no answer came back: the coarse reason the tenant sees, and the detail for our log only. */
  failure?: { reason: "timeout" | "tls" | "connection_failed"; detail: string };
  durationMs: number;
}

/** OpenSSL's and Node's TLS error codes: certificate problems, handshake failures, a peer that speaks no TLS. */
const isTlsError = (err: NodeJS.ErrnoException): boolean =>
  /^ERR_(TLS|SSL)_|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(err.code ?? "") ||
  (err.code === "EPROTO" && err.message.includes("SSL routines"));

export function failureOf(err: NodeJS.ErrnoException, timeoutMs: number): NonNullable<PostResult["failure"]> {
  if (err.name === "AbortError" || err.name === "TimeoutError") {
    return { reason: "timeout", detail: `timed out after ${timeoutMs} ms` };
  }
  return {
    reason: isTlsError(err) ? "tls" : "connection_failed",
    detail: err.code ? `${err.code}: ${err.message}` : err.message,
  };
}

/**
 * A lookup that answers with the addresses the target policy already checked, so the socket connects to a
 * validated address and a second DNS answer (rebinding) is never consulted. TLS still verifies the URL's host name.
 */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0];
    if (!first) {
      callback(new Error("no validated address"), "", 4);
      return;
    }
    if (options.all) {
      // Node's Happy Eyeballs (autoSelectFamily) asks for every address.
      (callback as unknown as (err: null, all: ResolvedAddress[]) => void)(null, [...addresses]);
      return;
    }
    const wanted = addresses.find((a) => !options.family || a.family === options.family) ?? first;
    callback(null, wanted.address, wanted.family);
  };
}

/**
 * POSTs `body` with `node:http(s)` rather than `fetch`: the global fetch has no public hook to pin the connection to
 * the validated addresses without the `undici` package. Redirects are not followed (a 3xx is a failed attempt), so
 * a target cannot bounce the request to an address the policy refuses.
 */
export function postJson(
  url: URL,
  addresses: readonly ResolvedAddress[],
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<PostResult>((resolve) => {
    const req = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(addresses),
        signal: AbortSignal.timeout(timeoutMs),
        // No connection reuse across deliveries: every request goes through the pinned lookup.
        agent: false,
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, durationMs: elapsed() });
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      resolve({ failure: failureOf(err, timeoutMs), durationMs: elapsed() });
    });
    req.end(body);
  });
}
