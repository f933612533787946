import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { CODE_OF_STATUS, ERROR_CODES } from "@ai-jobs/contracts";
import { AppError, context, headersOf, PROBLEM_CONTENT_TYPE, propagation, serviceUnavailable } from "@ai-jobs/runtime";
import type { FastifyPluginAsync, FastifyReply } from "fastify";

export interface JobStreamRoutesOptions {
  /** Base URL of an events replica (or its load balancer). */
  eventsUrl: string;
}

/** Headers of a refused upstream answer that the client needs to see. */
const PASSED_THROUGH = ["content-type", "retry-after", "www-authenticate", "cache-control"];

/** The events service's stream URL for this request's query string, keeping any path prefix of EVENTS_URL. */
function upstreamUrl(eventsUrl: string, rawUrl: string): URL {
  const base = new URL(eventsUrl.endsWith("/") ? eventsUrl : `${eventsUrl}/`);
  const url = new URL("api/ai/jobs/stream/", base);
  const q = rawUrl.indexOf("?");
  if (q >= 0) url.search = rawUrl.slice(q);
  return url;
}

/**
 * `GET /jobs/stream/?job_id=…`: SSE is served by the events service; the gateway forwards the request (query,
 * `Authorization`, `Last-Event-ID`, trace context) and pipes the answer through unbuffered. A client that goes
 * away aborts the upstream request; shutting the gateway down ends every proxied stream, and clients resume on
 * another replica with `Last-Event-ID`.
 */
export const jobStreamRoutes: FastifyPluginAsync<JobStreamRoutesOptions> = async (app, opts) => {
  const open = new Set<AbortController>();
  app.addHook("preClose", async () => {
    for (const abort of open) abort.abort();
  });

  // `stream`: a read that also takes a `?token=` stream token (forwarded in the query, checked again upstream).
  app.get("/jobs/stream", { config: { access: "stream" } }, async (request, reply) => {
    const headers: Record<string, string> = { accept: "text/event-stream", "x-request-id": request.id };
    const { authorization } = request.headers;
    const lastEventId = request.headers["last-event-id"];
    if (authorization) headers.authorization = authorization;
    if (typeof lastEventId === "string") headers["last-event-id"] = lastEventId;
    propagation.inject(context.active(), headers);

    const abort = new AbortController();
    open.add(abort);
    reply.raw.once("close", () => {
      abort.abort();
      open.delete(abort);
    });

    let upstream: Response;
    try {
      upstream = await fetch(upstreamUrl(opts.eventsUrl, request.url), { headers, signal: abort.signal });
    } catch (err) {
      open.delete(abort);
      if (abort.signal.aborted) return endQuietly(reply);
      request.log.warn({ err, eventsUrl: opts.eventsUrl }, "events service unreachable");
      throw serviceUnavailable("the event stream is unavailable; retry shortly", 2, err);
    }

    if (upstream.status !== 200 || !upstream.body) {
      // 400/401/404 problems from the events service are the client's answer as they are.
      const body = Buffer.from(await upstream.arrayBuffer());
      open.delete(abort);
      if (!upstream.headers.get("content-type")?.startsWith(PROBLEM_CONTENT_TYPE)) {
        throw refusalWithoutProblem(upstream.status);
      }
      for (const name of PASSED_THROUGH) {
        const value = upstream.headers.get(name);
        if (value !== null) reply.header(name, value);
      }
      return reply.code(upstream.status).send(body);
    }

    reply.hijack();
    reply.raw.writeHead(200, {
      // The security and CORS headers the hooks set on the reply; a hijacked reply would drop them.
      ...headersOf(reply),
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
      "x-request-id": request.id,
    });
    reply.raw.flushHeaders();
    const body = Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>);
    body.on("error", (err) => {
      // An abort is ours (client gone, or shutdown); anything else is the events replica going away. Either way
      // the stream ends cleanly and the client reconnects with Last-Event-ID.
      if (!abort.signal.aborted) request.log.warn({ err }, "proxied event stream failed");
      open.delete(abort);
      reply.raw.end();
    });
    body.on("end", () => open.delete(abort));
    body.pipe(reply.raw);
    return reply;
  });
};

/**
 * An upstream answer that is no problem: Node's HTTP server refuses some requests before the events app sees them
 * (a URL past its header limit gets a bare 431). The client still gets a problem; a 5xx upstream is ours to report.
 */
function refusalWithoutProblem(status: number): AppError {
  if (status >= 400 && status < 500) {
    return new AppError(
      status,
      CODE_OF_STATUS[status] ?? ERROR_CODES.validationFailed,
      `the event stream refused the request (HTTP ${status}); check its query and headers`,
    );
  }
  return serviceUnavailable(`the event stream answered HTTP ${status}; retry shortly`, 2);
}

/** The client left while we were connecting upstream: there is no one to answer. */
function endQuietly(reply: FastifyReply): FastifyReply {
  reply.hijack();
  reply.raw.destroy();
  return reply;
}
