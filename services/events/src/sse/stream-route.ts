import { ERROR_CODES, formatSse, StreamOptions, StreamQuery } from "@ai-jobs/contracts";
import {
  AppError,
  type Authenticator,
  forbidden,
  headersOf,
  invalidInput,
  isAppError,
  type JobReader,
  type Messaging,
  type Metrics,
  type NatsContext,
  notFound,
  type Principal,
  registerValueGauge,
  type StreamTokens,
  wwwAuthenticate,
} from "@ai-jobs/runtime";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type JobSnapshot, jobEndsLookup, planFollow } from "./job-follower.js";
import { type LiveHub, type LiveTopic, startLiveHub } from "./live-hub.js";
import { runLiveStream } from "./live-stream.js";
import { SseWriter } from "./sse-writer.js";

export interface StreamRouteDeps {
  authenticator: Authenticator;
  /** Checks browser stream tokens (`?token=`); without it only bearer tokens are taken. */
  streamTokens?: StreamTokens;
  /** A job's status now, projected or not yet (a stream opened right after the submit must find the job). */
  jobs: JobReader;
  nats: Pick<NatsContext, "js" | "jsm">;
  keepAliveMs: number;
  /** Bytes one connection may have waiting for its socket before it is closed as too slow. */
  maxBufferedBytes?: number;
  /** Gets the `aijobs_sse_clients` gauge (open streams of this replica). */
  metrics?: Pick<Metrics, "registry">;
  /** Traces the live hub's fan-out of each event into the job's trace. */
  messaging?: Pick<Messaging, "consume">;
}

export const STREAM_PATHS = ["/api/ai/jobs/stream", "/api/ai/jobs/stream/"] as const;
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1_024;

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

const KEEP_ALIVE = ": keep-alive\n\n";

/** A job id goes into a subject filter, so it must be a plain subject token. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const Sequence = z.string().regex(/^\d+$/, "must be a stream sequence (a non-negative integer)");
/** A stream token rides in the query string (an EventSource cannot set headers). */
const TokenQuery = z.object({ token: z.string().min(1).max(4_096).optional() });
const Query = StreamQuery.extend({
  job_id: StreamQuery.shape.job_id.pipe(
    z.array(z.string().regex(SUBJECT_TOKEN, "must be a job id ([A-Za-z0-9_-], at most 128 characters)")),
  ),
  /** Fallback for clients that cannot set the Last-Event-ID header. */
  last_event_id: Sequence.optional(),
});
const AllQuery = z.object({
  job_id: z.never({ error: "not with all=1" }).optional(),
  last_event_id: Sequence.optional(),
});

/** Reports another parse's issues as this one's, as they are. */
function failWith(ctx: z.RefinementCtx, error: z.ZodError): never {
  for (const issue of error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
}

/**
 * The route's query: first the options (`all`, `follow`), then, depending on `all`, the job ids or none; a query
 * whose options are wrong is refused for them alone. The stream token (`token`) is read by the auth hook before.
 */
export type StreamRouteQuery = z.output<typeof StreamRouteQuery>;
export const StreamRouteQuery = z.unknown().transform((query, ctx) => {
  const options = StreamOptions.safeParse(query);
  if (!options.success) return failWith(ctx, options.error);
  const all = options.data.all === true;
  const parsed = all ? AllQuery.safeParse(query) : Query.safeParse(query);
  if (!parsed.success) return failWith(ctx, parsed.error);
  return {
    all,
    follow: all || options.data.follow === true,
    job_id: parsed.data.job_id,
    last_event_id: parsed.data.last_event_id,
  };
});

/**
 * `GET /api/ai/jobs/stream/?job_id=…&job_id=…` (or `?all=1`): the events of one or more jobs of the caller's tenant
 * (or of all of them) as SSE. Each message's id is its JOB_EVENTS sequence, so a client reconnecting to any replica
 * with Last-Event-ID resumes with no gap and no duplicate. Live events come from the replica's one live hub; each
 * connection replays its history first (see `live-stream.ts`). A job stream ends once every job's latest status event
 * is terminal (a retry reopens a job), unless `follow=1`; when there is nothing left to send at connect it is a 204,
 * which tells an EventSource to stop reconnecting. An `all=1` stream never ends on its own. A client too slow to take
 * its events is closed with a retry hint once `maxBufferedBytes` wait for its socket.
 */
export function registerStreamRoute(app: FastifyInstance, deps: StreamRouteDeps): void {
  const maxBufferedBytes = deps.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const open = new Set<AbortController>();
  if (deps.metrics) {
    registerValueGauge(deps.metrics, "sse_clients", "Open SSE job streams on this replica", () => open.size);
  }
  let hub: Promise<LiveHub> | undefined;
  const liveHub = () => {
    hub ??= startLiveHub({
      js: deps.nats.js,
      jsm: deps.nats.jsm,
      log: app.log,
      ...(deps.messaging ? { messaging: deps.messaging } : {}),
    });
    hub.catch(() => {
      hub = undefined;
    });
    return hub;
  };
  // Open streams would hold app.close() forever: end them, and their clients resume on another replica.
  app.addHook("preClose", async () => {
    for (const connection of open) connection.abort();
  });
  app.addHook("onClose", async () => {
    const started = hub;
    hub = undefined;
    await (await started?.catch(() => undefined))?.close();
  });

  const principals = new WeakMap<FastifyRequest, Principal>();
  // Before the query is validated: a caller without credentials learns nothing about its query.
  const authenticate = async (request: FastifyRequest) => {
    const principal = await streamPrincipal(deps, request);
    if ("refused" in principal) {
      throw new AppError(401, ERROR_CODES.unauthorized, "a valid bearer or stream token is required", {
        headers: { "www-authenticate": wwwAuthenticate(principal.refused) },
      });
    }
    principals.set(request, principal);
  };

  const handler = async (request: FastifyRequest<{ Querystring: StreamRouteQuery }>, reply: FastifyReply) => {
    const principal = principals.get(request);
    if (!principal) throw new Error("the stream route ran without its auth hook");
    const { tenantId, streamScope } = principal;
    const { all, follow, ...query } = request.query;
    // A stream token opens only the stream it was minted for.
    if (streamScope && !streamScope.all && (all || query.job_id?.some((id) => !streamScope.jobIds.includes(id)))) {
      throw forbidden("the stream token does not cover these jobs");
    }
    const header = request.headers["last-event-id"];
    let afterSeq: number | undefined;
    if (header !== undefined) {
      const parsed = Sequence.safeParse(header);
      if (!parsed.success) throw invalidInput(parsed.error, "Last-Event-ID");
      afterSeq = Number(parsed.data);
    } else if (query.last_event_id !== undefined) {
      afterSeq = Number(query.last_event_id);
    }

    let preamble = "";
    let topic: LiveTopic;
    let endWhenTerminal: string[] | undefined;
    let live: LiveHub;
    try {
      if (query.job_id === undefined) {
        topic = { tenantId, all: true };
      } else {
        const jobIds = [...new Set(query.job_id)];
        const found = await Promise.all(jobIds.map((id) => deps.jobs.find(tenantId, id)));
        const records = found.filter((r) => r !== null);
        // Another tenant's job is answered exactly like a job that does not exist.
        const missing = jobIds.find((id) => !records.some((r) => r._id === id));
        if (missing !== undefined) throw notFound(`job ${missing}`);
        const snapshots: JobSnapshot[] = records.map((r) => ({ jobId: r._id, status: r.status, seq: r.seq }));
        const plan = await planFollow(snapshots, afterSeq, jobEndsLookup(deps.nats.jsm, tenantId));
        if (!follow && plan.preamble.length === 0 && plan.pending.length === 0) return reply.code(204).send();
        preamble = plan.preamble.map(formatSse).join("");
        // With follow=1 every job is watched (a retry reopens a finished one); else only those still owed.
        topic = { tenantId, jobIds: follow ? jobIds : plan.pending };
        endWhenTerminal = follow ? undefined : plan.pending;
      }
      live = await liveHub();
    } catch (err) {
      if (isAppError(err)) throw err;
      // The problems plugin logs the cause.
      throw new AppError(
        503,
        ERROR_CODES.serviceUnavailable,
        "the job store or the event stream is unavailable; retry",
        {
          cause: err,
        },
      );
    }

    reply.hijack();
    const res = reply.raw;
    const connection = new AbortController();
    open.add(connection);
    const abort = () => connection.abort();
    res.on("close", abort);
    const writer = new SseWriter(res, maxBufferedBytes, abort);
    const keepAlive = setInterval(() => writer.keepAlive(KEEP_ALIVE), deps.keepAliveMs);
    try {
      // The client may have gone while the stream was being prepared.
      if (res.destroyed || !res.socket || res.socket.destroyed) return;
      // The security and CORS headers the hooks set on the reply; the hijacked reply would drop them.
      res.writeHead(200, { ...headersOf(reply), ...SSE_HEADERS });
      res.flushHeaders();
      if (preamble) res.write(preamble);
      const hasJobs = !("jobIds" in topic) || topic.jobIds.length > 0;
      if (!hasJobs) return;
      await runLiveStream({
        js: deps.nats.js,
        jsm: deps.nats.jsm,
        hub: live,
        topic,
        // A job stream replays its history; an all-jobs stream only from Last-Event-ID, else it is live from now.
        replay: !all || afterSeq !== undefined,
        afterSeq,
        endWhenTerminal,
        res,
        writer,
        maxBufferedBytes,
        signal: connection.signal,
        log: request.log,
      });
    } catch (err) {
      // NATS failed under the stream: end it, and the client resumes with Last-Event-ID.
      request.log.warn({ err }, "job stream ended by an error");
    } finally {
      clearInterval(keepAlive);
      res.off("close", abort);
      open.delete(connection);
      writer.end();
      if (!res.writableEnded && !res.destroyed) res.end();
    }
  };

  // No implicit HEAD route: a HEAD request must not open a stream.
  const schema = { querystring: StreamRouteQuery };
  for (const path of STREAM_PATHS) {
    app.get<{ Querystring: StreamRouteQuery }>(
      path,
      { exposeHeadRoute: false, onRequest: authenticate, schema },
      handler,
    );
  }
}

/**
 * The caller of a stream: an `Authorization` header (static token or JWT), else a `?token=` stream token. Every role
 * may read its tenant's jobs, so no role check beyond authentication is needed here.
 */
async function streamPrincipal(
  deps: Pick<StreamRouteDeps, "authenticator" | "streamTokens">,
  request: FastifyRequest,
): Promise<Principal | { refused: "missing" | "invalid" }> {
  const { authorization } = request.headers;
  const token = TokenQuery.safeParse(request.query);
  if (!token.success) return { refused: "invalid" };
  if (authorization === undefined && token.data.token !== undefined) {
    const principal = await deps.streamTokens?.verify(token.data.token);
    return principal ?? { refused: "invalid" };
  }
  const outcome = await deps.authenticator.authenticate(authorization);
  return "principal" in outcome ? outcome.principal : outcome;
}
