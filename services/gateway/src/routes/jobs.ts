import { JobListQuery, type JobListView } from "@ai-jobs/contracts";
import { notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsync } from "fastify";
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

type WithJobId = { Params: { job_id: string } };

/**
 * `/jobs/` (list), `/jobs/{job_id}/` (read, DELETE = cancel), `/jobs/{job_id}/retry/` and `/jobs/{job_id}/events/`.
 * The SSE stream `/jobs/stream/` is a static route, so it always wins over `/jobs/{job_id}/`.
 */
export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, opts) => {
  app.get("/jobs", async (request): Promise<JobListView> => {
    const query = JobListQuery.parse(request.query);
    // One more than the page, to know whether there is a next one.
    const found = await opts.jobs.list(request.principal.tenantId, {
      status: query.status,
      type: query.type,
      before: query.cursor,
      limit: query.limit + 1,
    });
    const page = found.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map(toJobView), next_cursor: found.length > query.limit && last ? last._id : null };
  });

  app.get<WithJobId>("/jobs/:job_id", async (request) => {
    const job = await opts.jobs.findById(request.principal.tenantId, request.params.job_id);
    if (!job) throw notFound("job");
    return toJobView(job);
  });

  app.get<WithJobId>("/jobs/:job_id/events", async (request) => {
    const { tenantId } = request.principal;
    const job = await opts.jobs.findById(tenantId, request.params.job_id);
    if (!job) throw notFound("job");
    const events = await opts.jobs.events(tenantId, job._id, MAX_JOB_EVENTS);
    return { items: events.map(toJobEventView) };
  });

  app.delete<WithJobId>("/jobs/:job_id", async (request, reply) => {
    const job = await cancelJob(opts.control, callerOf(request), request.params.job_id);
    return reply.code(202).send(toJobView(job));
  });

  app.post<WithJobId>("/jobs/:job_id/retry", async (request, reply) => {
    const job = await retryJob(opts.control, callerOf(request), request.params.job_id);
    return reply.code(202).send(toJobView(job));
  });
};
