import type { FastifyPluginAsync } from "fastify";
import type { JobRepository } from "../data/jobs.js";
import { notFound } from "../domain/errors.js";
import { toJobView } from "../views.js";

export interface JobRoutesOptions {
  jobs: JobRepository;
}

/** `/jobs/{job_id}/`. The SSE stream `/jobs/stream/` is a static route, so it always wins over this one. */
export const jobRoutes: FastifyPluginAsync<JobRoutesOptions> = async (app, opts) => {
  app.get<{ Params: { job_id: string } }>("/jobs/:job_id", async (request) => {
    const job = await opts.jobs.findById(request.principal.tenantId, request.params.job_id);
    if (!job) throw notFound("job");
    return toJobView(job);
  });
};
