import { DeadLetterListView, JobView, Queue } from "@ai-jobs/contracts";
import { forbidden, notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { DeadLetterRepository } from "../data/dead-letters.js";
import { type JobControlDeps, replayDeadLetter } from "../domain/job-control.js";
import { callerOf } from "../plugins/auth.js";
import { toDeadLetterView, toJobView } from "../views.js";

export interface AdminRoutesOptions {
  deadLetters: DeadLetterRepository;
  control: JobControlDeps;
}

/** `GET /admin/dead-letters/` filters; `cursor` is the last `seq` of the previous page (newest first). */
export const DeadLetterListQuery = z
  .object({
    queue: Queue.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.coerce.number().int().min(1).optional(),
  })
  .strict();

const SEQ = /^[1-9]\d{0,15}$/;

/**
 * `/admin/…`: operator routes, for principals with the `admin` role only (403 otherwise). An admin sees its own
 * tenant's dead letters, never another tenant's.
 */
export const adminRoutes: FastifyPluginAsyncZod<AdminRoutesOptions> = async (app, opts) => {
  app.addHook("onRequest", async (request) => {
    if (request.principal.role !== "admin") throw forbidden("this route needs the admin role");
  });

  app.get(
    "/admin/dead-letters",
    { schema: { querystring: DeadLetterListQuery, response: { 200: DeadLetterListView } } },
    async (request) => {
      const { query } = request;
      const found = await opts.deadLetters.list(request.principal.tenantId, {
        queue: query.queue,
        before: query.cursor,
        limit: query.limit + 1,
      });
      const page = found.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map(toDeadLetterView),
        next_cursor: found.length > query.limit && last ? String(last._id) : null,
      };
    },
  );

  const replay = { params: z.object({ seq: z.string() }), response: { 202: JobView } };
  app.post("/admin/dead-letters/:seq/replay", { schema: replay }, async (request, reply) => {
    // Not a stream sequence: no such dead letter.
    if (!SEQ.test(request.params.seq)) throw notFound("dead letter");
    const job = await replayDeadLetter(opts.control, callerOf(request), Number(request.params.seq));
    return reply.code(202).send(toJobView(job));
  });
};
