import { type Collections, isDuplicateKey, type WebhookAttempt, type WebhookDeliveryRecord } from "@ai-jobs/runtime";

/** `webhook_deliveries`: one record per terminal event of a job with a webhook, `_id` = its `webhook-id`. */
export interface WebhookDeliveryRepository {
  /** The delivery of `record._id`: created from `record` on first sight, found again on a redelivery. */
  findOrCreate(record: WebhookDeliveryRecord): Promise<WebhookDeliveryRecord>;
  /** Appends an attempt and sets the delivery's state and next attempt. */
  recordAttempt(
    id: string,
    attempt: WebhookAttempt,
    state: WebhookDeliveryRecord["state"],
    nextAttemptAt: Date | null,
  ): Promise<void>;
}

export function createWebhookDeliveryRepository(c: Pick<Collections, "webhookDeliveries">): WebhookDeliveryRepository {
  const deliveries = c.webhookDeliveries;
  return {
    async findOrCreate(record) {
      const existing = await deliveries.findOne({ _id: record._id });
      if (existing) return existing;
      try {
        await deliveries.insertOne(record);
        return record;
      } catch (err) {
        // Another replica created it between the read and the insert.
        if (!isDuplicateKey(err)) throw err;
        const found = await deliveries.findOne({ _id: record._id });
        if (!found) throw err;
        return found;
      }
    },
    async recordAttempt(id, attempt, state, nextAttemptAt) {
      await deliveries.updateOne(
        { _id: id },
        { $push: { attempts: attempt }, $set: { state, nextAttemptAt, updatedAt: new Date() } },
      );
    },
  };
}
