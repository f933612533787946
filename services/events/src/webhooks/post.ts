import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { ResolvedAddress } from "./target-policy.js";

export interface PostResult {
  /** The HTTP status, when an answer came back before the timeout. */
  status?: number;
  error?: string;
  durationMs: number;
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
    req.on("error", (err: Error) => {
      const timedOut = err.name === "AbortError" || err.name === "TimeoutError";
      resolve({ error: timedOut ? `timed out after ${timeoutMs} ms` : err.message, durationMs: elapsed() });
    });
    req.end(body);
  });
}
