import { failureReasonOfStored, WebhookDeliveryListView, type WebhookDeliveryView } from "@ai-jobs/contracts";
import type { WebhookDeliveryRecord } from "@ai-jobs/runtime";
import { notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { JobRepository } from "../data/jobs.js";
import type { WebhookDeliveryRepository } from "../data/webhook-deliveries.js";

export interface WebhookRoutesOptions {
  jobs: JobRepository;
  deliveries: WebhookDeliveryRepository;
}

/** A job has one delivery per terminal event (one per run); this bounds an answer all the same. */
const MAX_DELIVERIES = 100;

export function toWebhookDeliveryView(d: WebhookDeliveryRecord): WebhookDeliveryView {
  return {
    id: d._id,
    job_id: d.jobId,
    event_type: d.eventType,
    url: d.url,
    state: d.state,
    attempts: d.attempts.map((a) => ({
      at: a.at.toISOString(),
      status: a.status ?? null,
      error: a.error === undefined ? null : failureReasonOfStored(a.error),
      duration_ms: a.durationMs,
    })),
    next_attempt_at: d.state === "pending" ? (d.nextAttemptAt?.toISOString() ?? null) : null,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

/** `GET /jobs/{job_id}/webhooks/`: the job's webhook deliveries and their attempts, for the job's tenant only. */
export const webhookRoutes: FastifyPluginAsyncZod<WebhookRoutesOptions> = async (app, opts) => {
  const schema = { params: z.object({ job_id: z.string() }), response: { 200: WebhookDeliveryListView } };
  app.get("/jobs/:job_id/webhooks", { schema }, async (request) => {
    const { tenantId } = request.principal;
    const job = await opts.jobs.findById(tenantId, request.params.job_id);
    if (!job) throw notFound("job");
    const deliveries = await opts.deliveries.ofJob(tenantId, job._id, MAX_DELIVERIES);
    return { items: deliveries.map(toWebhookDeliveryView) };
  });
};
