// The public surface of @ai-jobs/runtime: what the services, the other libraries, the tests and the benchmarks use.
// A name is exported here on purpose (no `export *`), so the surface grows only by a deliberate line.

export {
  AppError,
  conflict,
  forbidden,
  idempotencyKeyReused,
  invalid,
  invalidInput,
  isAppError,
  notFound,
  payloadTooLarge,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
  unsupportedMediaType,
} from "./app-errors.js";
export {
  API_KEY_SCOPES,
  type ApiKeyRecord,
  type Authenticator,
  type AuthOutcome,
  authConfigShape,
  createApiKeyVerifier,
  createAuthenticator,
  createStreamTokens,
  generateApiKey,
  type Principal,
  ROLES,
  type Role,
  type StreamScope,
  type StreamTokens,
  wwwAuthenticate,
} from "./auth/index.js";
export { backoffDelayMs } from "./backoff.js";
export { createBatchedInserter } from "./batched-inserter.js";
export { mapBounded } from "./bounded.js";
export { bulkWriteInSlices } from "./bulk-write.js";
export { type Cancellation, createCancellation } from "./cancellation.js";
export { answerClientError } from "./client-errors.js";
export {
  type BaseConfig,
  baseConfigShape,
  ConfigError,
  jobsPerSubjectLimit,
  listenHost,
  loadConfig,
  port,
} from "./config.js";
export { incrementCounter } from "./counters.js";
export { publishDeadLetter } from "./dead-letter.js";
export {
  type AcceptDeps,
  acceptJob,
  CommandRefusedError,
  dispatchRecordOf,
  outboxEntryOf,
  publishCommand,
  publishQueued,
} from "./dispatch.js";
export { isFinalFailure, PermanentError, TransientError } from "./errors.js";
export { mongoCheck, natsCheck, type ReadinessChecks, runReadiness } from "./health.js";
export { errorFromHttpStatus, errorFromNetworkFailure } from "./http-errors.js";
export { registerProbeRoutes } from "./http-probes.js";
export { answerFrameworkError, PROBLEM_CONTENT_TYPE, problemsPlugin, sendProblem } from "./http-problems.js";
export { useZodSchemas } from "./http-schemas.js";
export { type HttpSecurityOptions, headersOf, httpSecurityConfigShape, registerHttpSecurity } from "./http-security.js";
export { createIdGenerator } from "./ids.js";
export { createJetStreamPublisher } from "./jetstream-publisher.js";
export { createJobEventPublisher, type JobEventPublisher } from "./job-events.js";
export { createJobOutbox, type JobOutbox } from "./job-outbox.js";
export { createJobReader, type JobReader } from "./job-reader.js";
export { createLogger, type Logger } from "./logger.js";
export { createMessaging, type Messaging } from "./messaging.js";
export {
  cachedRead,
  createMetrics,
  inLlmSpan,
  type Metrics,
  observeDeadLetters,
  observeJobEvents,
  recordLlmUsage,
  registerHttpMetrics,
  registerQueueGauges,
  registerValueGauge,
} from "./metrics/index.js";
export {
  type Collections,
  collectionsOf,
  connectMongo,
  type DeadLetterRecord,
  type IdempotencyRecord,
  type JobEventRecord,
  type JobOutboxEntry,
  type MongoContext,
  type WebhookAttempt,
  type WebhookDeliveryRecord,
} from "./mongo.js";
export { duplicateKeyIndexes, isDuplicateKey, isOnlyDuplicateKeys } from "./mongo-errors.js";
export {
  ACK_WAIT_MS,
  ensureConsumer,
  maxAttemptsOfQueue,
  type NatsContext,
  provision,
  RATE_LIMIT_MAX_WINDOW_MS,
  WORKER_ACK_WAIT_MS,
} from "./nats.js";
export { inboxPrefixOf, NATS_SERVICES, type NatsService } from "./nats-auth/permissions.js";
export { AUTHORIZATION_FILES, natsAuthorizationConfig, nkeyEnvOf } from "./nats-auth/server-config.js";
export { packageVersion } from "./package-version.js";
export { perTenantSetting } from "./per-tenant-setting.js";
export { bootService, closeService, type ServiceContext } from "./service.js";
export { component, httpComponent, runService, type ServiceComponent } from "./service-shell.js";
export {
  createStorageQuotas,
  type StorageQuotaSettings,
  type StorageQuotas,
  storageQuotaConfigShape,
} from "./storage-quota.js";
export { activeTraceId, context, propagation, startTelemetry, type Telemetry, trace } from "./telemetry.js";
export {
  type BudgetCheck,
  createTokenBudgets,
  type TokenBudgetSettings,
  type TokenBudgets,
  tokenBudgetConfigShape,
} from "./token-budget.js";
export { withoutTrailingSlashes } from "./trailing-slashes.js";
export {
  addressAllowed,
  hostOf,
  literalTargetRefusal,
  parseAllowlist,
  portOf,
  type WebhookAllowlist,
  WebhookAllowlistSetting,
  WebhookPortsSetting,
  type WebhookTargetPolicy,
} from "./webhook-targets/target-policy.js";
export { type AnyJobDefinition, defineJob, type JobDefinition } from "./worker/job-definition.js";
export type { FailureHook, JobContext, JobHandler } from "./worker/types.js";
export { createWorker, type Worker } from "./worker/worker.js";
export {
  createServiceWorker,
  defineWorkerService,
  runWorkerService,
  type WorkerRunOptions,
  type WorkerServiceDefinition,
} from "./worker-service.js";
