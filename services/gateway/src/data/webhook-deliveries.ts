import type { Collections, WebhookDeliveryRecord } from "@ai-jobs/runtime";

/** `webhook_deliveries`, written by the events service's dispatcher. Every query carries the tenant id. */
export interface WebhookDeliveryRepository {
  /** A job's deliveries, oldest first, at most `limit`. */
  ofJob(tenantId: string, jobId: string, limit: number): Promise<WebhookDeliveryRecord[]>;
}

export function createWebhookDeliveryRepository(c: Pick<Collections, "webhookDeliveries">): WebhookDeliveryRepository {
  return {
    ofJob: (tenantId, jobId, limit) =>
      c.webhookDeliveries.find({ tenantId, jobId }).sort({ createdAt: 1 }).limit(limit).toArray(),
  };
}
