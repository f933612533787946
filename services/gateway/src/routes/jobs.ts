import { JobEventListView, JobListQuery, JobListView, JobView } from "@ai-jobs/contracts";
import { notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { JobRepository } from "../data/jobs.js";
import { cancelJob, type JobControlDeps, retryJob } from "../domain/job-control.js";
import { callerOf } from "../plugins/auth.js";
import { toJobEventView, toJobView } from "../views.js";

export interface JobRoutesOptions {
  jobs: JobRepository;
  control: JobControlDeps;
}

/** The most events `GET /jobs/{id}/events/` answers (a job's history is a few dozen events). */
export const MAX_JOB_EVENTS = 1_000;

const JobIdParams = z.object({ job_id: z.string() });

/**
 * `/jobs/` (list), `/jobs/{job_id}/` (read, DELETE = cancel), `/jobs/{job_id}/retry/` and `/jobs/{job_id}/events/`.
 * The SSE stream `/jobs/stream/` is a static route, so it always wins over `/jobs/{job_id}/`.
 */
export const jobRoutes: FastifyPluginAsyncZod<JobRoutesOptions> = async (app, opts) => {
  app.get("/jobs", { schema: { querystring: JobListQuery, response: { 200: JobListView } } }, async (request) => {
    const { query } = request;
    // One more than the page, to know whether there is a next one.
    const found = await opts.jobs.list(request.principal.tenantId, {
      status: query.status,
      type: query.type,
      queue: query.queue,
      priority: query.priority,
      since: query.since === undefined ? undefined : new Date(query.since),
      until: query.until === undefined ? undefined : new Date(query.until),
      before: query.cursor,
      limit: query.limit + 1,
    });
    const page = found.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map(toJobView), next_cursor: found.length > query.limit && last ? last._id : null };
  });

  app.get("/jobs/:job_id", { schema: { params: JobIdParams, response: { 200: JobView } } }, async (request) => {
    const job = await opts.jobs.findById(request.principal.tenantId, request.params.job_id);
    if (!job) throw notFound("job");
    return toJobView(job);
  });

  const events = { params: JobIdParams, response: { 200: JobEventListView } };
  app.get("/jobs/:job_id/events", { schema: events }, async (request) => {
    const { tenantId } = request.principal;
    const job = await opts.jobs.findById(tenantId, request.params.job_id);
    if (!job) throw notFound("job");
    const events = await opts.jobs.events(tenantId, job._id, MAX_JOB_EVENTS);
    return { items: events.map(toJobEventView) };
  });

  const control = { params: JobIdParams, response: { 202: JobView } };
  app.delete("/jobs/:job_id", { schema: control }, async (request, reply) => {
    const job = await cancelJob(opts.control, callerOf(request), request.params.job_id);
    return reply.code(202).send(toJobView(job));
  });

  app.post("/jobs/:job_id/retry", { schema: control }, async (request, reply) => {
    const job = await retryJob(opts.control, callerOf(request), request.params.job_id);
    return reply.code(202).send(toJobView(job));
  });
};
