import { MAX_STREAM_JOBS, StreamTokenView } from "@ai-jobs/contracts";
import type { StreamTokens } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";

export interface StreamTokenRoutesOptions {
  streamTokens: StreamTokens;
}

const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** One of: some job ids, or `all: true` (every job of the tenant, as `?all=1` on the stream). */
export const StreamTokenRequest = z.union([
  z.object({ job_ids: z.array(z.string().regex(JOB_ID, "must be a job id")).min(1).max(MAX_STREAM_JOBS) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);

/** No body asks for nothing: it is refused like an empty object. */
const StreamTokenBody = z.preprocess((body) => body ?? {}, StreamTokenRequest);

/**
 * `POST /jobs/stream-token/`: a short-lived token for `GET /jobs/stream/?token=…`, for browsers (an EventSource cannot
 * send an Authorization header). It carries the caller's tenant, user and role and the jobs it may follow; no other
 * route takes it. Every role may read its tenant's jobs, so every role may have one.
 */
export const streamTokenRoutes: FastifyPluginAsyncZod<StreamTokenRoutesOptions> = async (app, opts) => {
  const schema = { body: StreamTokenBody, response: { 201: StreamTokenView } };
  app.post("/jobs/stream-token", { config: { access: "read" }, schema }, async (request, reply) => {
    const { body } = request;
    const scope =
      "all" in body ? ({ all: true } as const) : { all: false as const, jobIds: [...new Set(body.job_ids)] };
    const { token, expiresAt } = await opts.streamTokens.mint(request.principal, scope);
    return reply.code(201).header("cache-control", "no-store").send({ token, expires_at: expiresAt.toISOString() });
  });
};
