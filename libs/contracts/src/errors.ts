/** Stable error codes. HTTP problems and job failures both carry one. */
export const ERROR_CODES = {
  validationFailed: "VALIDATION_FAILED",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  notFound: "NOT_FOUND",
  conflict: "CONFLICT",
  payloadTooLarge: "PAYLOAD_TOO_LARGE",
  unsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
  serviceUnavailable: "SERVICE_UNAVAILABLE",
  /** The same Idempotency-Key was sent with a different request. */
  idempotencyKeyReused: "IDEMPOTENCY_KEY_REUSED",
  internal: "INTERNAL",
  // Job failures
  invalidPayload: "INVALID_PAYLOAD",
  timeout: "TIMEOUT",
  cancelled: "CANCELLED",
  handlerFailed: "HANDLER_FAILED",
  upstreamRejected: "UPSTREAM_REJECTED",
  upstreamUnavailable: "UPSTREAM_UNAVAILABLE",
  notFoundInStore: "NOT_FOUND_IN_STORE",
  attemptsExhausted: "ATTEMPTS_EXHAUSTED",
  /** The job's queue refused its command at submit (the bounded JOBS stream was full): it never ran. */
  queueFull: "QUEUE_FULL",
  /**
   * The tenant already has `JOBS_MAX_PER_TENANT` jobs waiting or running in this queue at this priority: this job
   * was refused (429) so that one tenant cannot fill the queue for every other.
   */
  tenantQueueFull: "TENANT_QUEUE_FULL",
  /** A request rate limit (per tenant or per caller) was reached: 429 with Retry-After. */
  rateLimited: "RATE_LIMITED",
  /** The tenant spent its daily LLM token budget: 429 at submit, and a job that would call the model fails with it. */
  budgetExceeded: "BUDGET_EXCEEDED",
  /** The tenant stores its byte quota in MATERIALS (uploads) or EXPORTS: 429 at submit, or the export job fails. */
  quotaExceeded: "QUOTA_EXCEEDED",
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];
