import { conflict, notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ExportFiles } from "../data/exports.js";
import type { JobRepository } from "../data/jobs.js";

export interface ExportRoutesOptions {
  jobs: JobRepository;
  files: ExportFiles;
}

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/**
 * `GET /exports/{export_id}/`: streams a plan export (the `download_path` of a `plan.export` job's result) as an
 * attachment. The export id is the job's id: the job record says whose it is, so another tenant gets a 404; a job
 * that has not finished its file yet gets a 409.
 */
export const exportRoutes: FastifyPluginAsyncZod<ExportRoutesOptions> = async (app, opts) => {
  // The file itself is the answer: no response schema.
  const schema = { params: z.object({ export_id: z.string() }) };
  app.get("/exports/:export_id", { schema }, async (request, reply) => {
    const job = await opts.jobs.findById(request.principal.tenantId, request.params.export_id);
    if (job?.type !== "plan.export") throw notFound("export");
    const file = await opts.files.open(job._id);
    if (!file) {
      if (job.status !== "succeeded") throw conflict(`the export is not ready: its job is ${job.status}`);
      throw notFound("export file");
    }
    const filename = file.metadata.filename ?? `${job._id}.xlsx`;
    return reply
      .header("content-type", file.metadata.contentType ?? XLSX)
      .header("content-length", String(file.size))
      .header("content-disposition", contentDisposition(filename))
      .send(file.content);
  });
};

/** RFC 6266: an ASCII fallback name plus the exact one in RFC 8187 encoding. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
