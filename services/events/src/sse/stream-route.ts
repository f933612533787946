import type { ServerResponse } from "node:http";
import { ERROR_CODES, formatSse, type JobRecord, problem, StreamQuery, validationProblem } from "@ai-jobs/contracts";
import { authenticate, type NatsContext, type Principal } from "@ai-jobs/runtime";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Collection } from "mongodb";
import { z } from "zod";
import { sendProblem } from "../http/problem.js";
import { type JobFollower, type JobSnapshot, jobEndsLookup, openJobFollower, planFollow } from "./job-follower.js";

export interface StreamRouteDeps {
  tokens: ReadonlyMap<string, Principal>;
  jobs: Collection<JobRecord>;
  nats: Pick<NatsContext, "js" | "jsm">;
  keepAliveMs: number;
}

export const STREAM_PATHS = ["/api/ai/jobs/stream", "/api/ai/jobs/stream/"] as const;

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

const KEEP_ALIVE = ": keep-alive\n\n";

/** A job id goes into a subject filter, so it must be a plain subject token. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const Query = StreamQuery.extend({
  job_id: StreamQuery.shape.job_id.pipe(
    z.array(z.string().regex(SUBJECT_TOKEN, "must be a job id ([A-Za-z0-9_-], at most 128 characters)")),
  ),
  /** Fallback for clients that cannot set the Last-Event-ID header. */
  last_event_id: z.string().regex(/^\d+$/, "must be a stream sequence (a non-negative integer)").optional(),
});
const LastEventIdHeader = z.string().regex(/^\d+$/, "must be a stream sequence (a non-negative integer)");

/**
 * `GET /api/ai/jobs/stream/?job_id=…&job_id=…`: the events of one or more jobs of the caller's tenant as SSE.
 * Each message's id is its JOB_EVENTS sequence, so a client reconnecting to any replica with Last-Event-ID
 * resumes with no gap and no duplicate. The response ends once every job's latest status event is terminal (a retry
 * reopens a job); when there is nothing left to send at connect it is a 204, which tells an EventSource to stop
 * reconnecting.
 */
export function registerStreamRoute(app: FastifyInstance, deps: StreamRouteDeps): void {
  const open = new Set<AbortController>();
  // Open streams would hold app.close() forever: end them, and their clients resume on another replica.
  app.addHook("preClose", async () => {
    for (const connection of open) connection.abort();
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = authenticate(deps.tokens, request.headers.authorization);
    if (!principal) {
      return sendProblem(reply, problem(401, ERROR_CODES.unauthorized, "a valid bearer token is required"));
    }

    const query = Query.safeParse(request.query);
    if (!query.success) return sendProblem(reply, validationProblem(query.error));
    const header = request.headers["last-event-id"];
    let afterSeq: number | undefined;
    if (header !== undefined) {
      const parsed = LastEventIdHeader.safeParse(header);
      if (!parsed.success) return sendProblem(reply, validationProblem(parsed.error, "Last-Event-ID"));
      afterSeq = Number(parsed.data);
    } else if (query.data.last_event_id !== undefined) {
      afterSeq = Number(query.data.last_event_id);
    }
    const jobIds = [...new Set(query.data.job_id)];

    let follower: JobFollower | undefined;
    let preamble: string;
    try {
      const records = await deps.jobs
        .find({ _id: { $in: jobIds }, tenantId: principal.tenantId }, { projection: { status: 1, seq: 1 } })
        .toArray();
      // Another tenant's job is answered exactly like a job that does not exist.
      const missing = jobIds.find((id) => !records.some((r) => r._id === id));
      if (missing !== undefined) {
        return sendProblem(reply, problem(404, ERROR_CODES.notFound, `job ${missing} not found`));
      }

      const snapshots: JobSnapshot[] = records.map((r) => ({ jobId: r._id, status: r.status, seq: r.seq }));
      const plan = await planFollow(snapshots, afterSeq, jobEndsLookup(deps.nats.jsm, principal.tenantId));
      if (plan.preamble.length === 0 && plan.pending.length === 0) return reply.code(204).send();
      preamble = plan.preamble.map(formatSse).join("");
      if (plan.pending.length > 0) {
        follower = await openJobFollower({
          js: deps.nats.js,
          tenantId: principal.tenantId,
          jobIds: plan.pending,
          afterSeq,
          log: request.log,
        });
      }
    } catch (err) {
      request.log.error({ err }, "cannot open job stream");
      return sendProblem(
        reply,
        problem(503, ERROR_CODES.serviceUnavailable, "the job store or the event stream is unavailable; retry"),
      );
    }

    reply.hijack();
    const connection = new AbortController();
    open.add(connection);
    try {
      await streamTo(reply.raw, { preamble, follower, keepAliveMs: deps.keepAliveMs, signal: connection.signal });
    } catch (err) {
      // NATS failed under the stream: end it, and the client resumes with Last-Event-ID.
      request.log.warn({ err }, "job stream ended by an error");
    } finally {
      open.delete(connection);
      await follower?.close();
    }
  };

  // No implicit HEAD route: a HEAD request must not open a stream.
  for (const path of STREAM_PATHS) app.get(path, { exposeHeadRoute: false }, handler);
}

/** Writes the stream with backpressure and keep-alives; ends the response when done or when `signal` aborts. */
async function streamTo(
  res: ServerResponse,
  opts: { preamble: string; follower: JobFollower | undefined; keepAliveMs: number; signal: AbortSignal },
): Promise<void> {
  const connection = new AbortController();
  const abort = () => connection.abort();
  opts.signal.addEventListener("abort", abort, { once: true });
  res.on("close", abort);
  const keepAlive = setInterval(() => {
    if (!res.writableNeedDrain) res.write(KEEP_ALIVE);
  }, opts.keepAliveMs);
  try {
    // The client may have gone while the stream was being prepared.
    if (res.destroyed || !res.socket || res.socket.destroyed) return;
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    if (opts.preamble) res.write(opts.preamble);
    if (!opts.follower) return;
    for await (const chunk of opts.follower.stream(connection.signal)) {
      // A slow client: pull nothing more until its socket has drained.
      if (!res.write(chunk)) await drained(res, connection.signal);
      if (connection.signal.aborted) break;
    }
  } finally {
    clearInterval(keepAlive);
    opts.signal.removeEventListener("abort", abort);
    res.off("close", abort);
    if (!res.writableEnded) res.end();
  }
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
