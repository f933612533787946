import { IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from "node:http";
import { Socket } from "node:net";
import cors from "@fastify/cors";
import type { FastifyInstance, FastifyReply } from "fastify";
import helmet, { type HelmetOptions } from "helmet";
import { z } from "zod";

/** Browser origins allowed to call the API cross-origin: `https://app.example.com,https://admin.example.com`. */
export const CorsOrigins = z
  .string()
  .default("")
  .transform((raw, ctx) => {
    const origins = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    for (const origin of origins) {
      // An origin is scheme://host[:port] exactly as a browser sends it: no path, no wildcard.
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (!parsed || parsed.origin !== origin) {
        ctx.addIssue({ code: "custom", message: `bad CORS_ORIGINS entry "${origin}" (want scheme://host[:port])` });
        return z.NEVER;
      }
    }
    return origins as readonly string[];
  });

/** Settings of the public HTTP listeners (gateway and events). */
export const httpSecurityConfigShape = {
  /** Empty (the default): no cross-origin access at all. */
  CORS_ORIGINS: CorsOrigins,
  /** Strict-Transport-Security max-age in seconds; 0 (the default) sends none, for plain-http local use. */
  HSTS_MAX_AGE_S: z.coerce.number().int().min(0).max(63_072_000).default(0),
} as const;

export interface HttpSecurityOptions {
  corsOrigins: readonly string[];
  hstsMaxAgeS: number;
}

/** What a browser client of the API sends and reads (docs/API.md). */
const ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "idempotency-key",
  "last-event-id",
  "x-request-id",
  "traceparent",
  "tracestate",
];
const EXPOSED_HEADERS = ["retry-after", "x-request-id", "idempotent-replayed", "content-disposition"];
const PREFLIGHT_CACHE_S = 600;

/**
 * Security headers (helmet's) for a JSON and SSE API, and CORS for the configured origins only. Registered before the
 * routes (and before auth, so a preflight, which carries no token, is answered here); Fastify queues the hook and the
 * plugin, so the caller need not await. Hijacked SSE replies must copy `reply.getHeaders()` into their `writeHead`,
 * or these headers are lost.
 *
 * The headers are made once and set on the Fastify reply, not on the Node response as `@fastify/helmet` does: a
 * Node response keeps every header given to its `setHeader` (a map of [name, value] pairs) for as long as it is open,
 * about 1.8 KiB per SSE stream for helmet's eleven, while the reply's copy is written into the head and kept as a few
 * references to these shared strings (docs/BENCHMARKS.md, issue 13).
 */
export function registerHttpSecurity(app: FastifyInstance, opts: HttpSecurityOptions): void {
  const headers = securityHeaders({
    // Nothing here is a document: no script, style or frame may load from an API response.
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    hsts: opts.hstsMaxAgeS > 0 ? { maxAge: opts.hstsMaxAgeS, includeSubDomains: true } : false,
    // Cross-origin reads are CORS's business; CORP would block them for no-cors callers only.
    crossOriginResourcePolicy: { policy: opts.corsOrigins.length > 0 ? "cross-origin" : "same-origin" },
  });
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  const allowed = new Set(opts.corsOrigins);
  app.register(cors, {
    // An origin not on the list gets no Access-Control-Allow-Origin: the browser refuses the response.
    origin: allowed.size === 0 ? false : (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    methods: ["GET", "POST", "DELETE"],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_CACHE_S,
  });
}

/** The headers hooks set on a reply (security, CORS), for a hijacked reply's `writeHead`, which would drop them. */
export function headersOf(reply: FastifyReply): Record<string, string | number | string[]> {
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  return headers;
}

/**
 * helmet's headers for these options, made once on a response that is never sent: they depend on nothing in the
 * request, and helmet would otherwise be built anew and run on every request.
 */
function securityHeaders(options: HelmetOptions): Readonly<OutgoingHttpHeaders> {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  helmet(options)(response.req, response, (err) => {
    if (err) throw err;
  });
  return response.getHeaders();
}
