import { z } from "zod";

/**
 * Why a webhook attempt failed, as the tenant sees it. Deliberately coarse: a detailed socket error (refused versus
 * unreachable, the peer's address, a TLS alert) would let a tenant use our webhooks to map which ports are open on
 * hosts only our network reaches. The detail goes to the events service's log only.
 */
export const WEBHOOK_FAILURE_REASONS = [
  "refused_by_policy",
  "timeout",
  "connection_failed",
  "tls",
  "http_3xx",
  "http_4xx",
  "http_5xx",
] as const;

export const WebhookFailureReason = z.enum(WEBHOOK_FAILURE_REASONS);
export type WebhookFailureReason = z.infer<typeof WebhookFailureReason>;

/** The reason of an answer that is not 2xx (redirects are not followed); undefined for a 2xx. */
export function failureReasonOfStatus(status: number): WebhookFailureReason | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 300 && status < 400) return "http_3xx";
  if (status >= 400 && status < 500) return "http_4xx";
  return "http_5xx";
}

/**
 * A stored attempt's error as shown to the tenant. Records written before reasons were coarse hold free text (a
 * socket error naming an address and port): never shown as is.
 */
export function failureReasonOfStored(error: string): WebhookFailureReason {
  const parsed = WebhookFailureReason.safeParse(error);
  if (parsed.success) return parsed.data;
  if (error === "target not allowed") return "refused_by_policy";
  return error.startsWith("timed out") ? "timeout" : "connection_failed";
}
