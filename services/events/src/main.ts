import {
  component,
  createApiKeyVerifier,
  createAuthenticator,
  createJobOutbox,
  createJobReader,
  createStreamTokens,
  httpComponent,
  loadConfig,
  runService,
} from "@ai-jobs/runtime";
import { buildApp } from "./app.js";
import { configShape } from "./config.js";
import { createDeadLetterRepository } from "./data/dead-letters.js";
import { createJobProjectionRepository } from "./data/job-projection.js";
import { createReconcileClaimRepository } from "./data/reconcile-claims.js";
import { createRetentionRepository } from "./data/retention.js";
import { createScheduleRepository } from "./data/schedules.js";
import { createWebhookDeliveryRepository } from "./data/webhook-deliveries.js";
import { createAdvisoryHandler } from "./dead-letters/advisories.js";
import { createDeadLetterIndexer } from "./dead-letters/indexer.js";
import { createDelayedForwarder } from "./delayed/forwarder.js";
import { createProjector } from "./projection/projector.js";
import { createReconciler } from "./reconciler/reconciler.js";
import { createRetentionTask } from "./retention/task.js";
import { createScheduler } from "./schedules/scheduler.js";
import { createWebhookDispatcher } from "./webhooks/dispatcher.js";

runService({
  name: "events",
  packageJson: new URL("../package.json", import.meta.url),
  config: () => loadConfig(configShape),
  internalListener: (config) => ({ host: config.INTERNAL_HOST, port: config.INTERNAL_PORT }),
  build: (ctx, config, shell) => {
    const { log, nats, mongo, messaging, events } = ctx;
    const outbox = createJobOutbox(mongo.collections.jobOutbox);
    const jobs = createJobReader({ jobs: mongo.collections.jobs, jsm: nats.jsm, outbox, log });
    const app = buildApp({
      log,
      authenticator: createAuthenticator(config, {
        apiKeys: createApiKeyVerifier(
          { keys: mongo.collections.apiKeys, uses: mongo.collections.apiKeyUses },
          { onError: (err) => log.warn({ err }, "could not record an API key's last use") },
        ),
      }),
      ...(config.STREAM_TOKEN_SECRET
        ? { streamTokens: createStreamTokens(config.STREAM_TOKEN_SECRET, config.STREAM_TOKEN_TTL_S) }
        : {}),
      jobs,
      nats,
      keepAliveMs: config.SSE_KEEPALIVE_MS,
      sseMaxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES,
      readiness: shell.checks,
      draining: shell.draining,
      security: { corsOrigins: config.CORS_ORIGINS, hstsMaxAgeS: config.HSTS_MAX_AGE_S },
      metrics: ctx.metrics,
      messaging,
    });
    // Started in this order and stopped in reverse: the HTTP listener closes first (its SSE clients resume on another
    // replica), then the publishers of new work into JOBS, then the consumers, and the projector last, so that it
    // sees their events. The webhook dispatcher finishes the POSTs in flight; pending retries stay in JetStream.
    return {
      components: [
        component(
          "projector",
          createProjector({
            nats,
            messaging,
            projection: createJobProjectionRepository(mongo.collections),
            log,
            batchSize: config.PROJECTOR_BATCH_SIZE,
          }),
        ),
        component(
          "webhook dispatcher",
          createWebhookDispatcher({
            nats,
            messaging,
            deliveries: createWebhookDeliveryRepository(mongo.collections),
            jobs,
            log,
            settings: {
              secrets: config.WEBHOOK_SECRETS,
              targets: { allowlist: config.WEBHOOK_ALLOWLIST, ports: config.WEBHOOK_ALLOWED_PORTS },
              backoffMs: config.WEBHOOK_BACKOFF_MS,
              timeoutMs: config.WEBHOOK_TIMEOUT_MS,
              concurrency: config.WEBHOOK_CONCURRENCY,
            },
          }),
        ),
        component(
          "dead-letter indexer",
          createDeadLetterIndexer({
            nats,
            messaging,
            deadLetters: createDeadLetterRepository(mongo.collections),
            log,
          }),
        ),
        component("max-deliveries handler", createAdvisoryHandler({ nats, messaging, events, log })),
        component(
          "delayed forwarder",
          createDelayedForwarder({ nats, messaging, log, retryDelayMs: config.DELAYED_RETRY_MS }),
        ),
        component(
          "reconciler",
          createReconciler({
            nats,
            messaging,
            events,
            outbox,
            claims: createReconcileClaimRepository(mongo.db),
            log,
            intervalMs: config.RECONCILE_INTERVAL_MS,
            graceMs: config.RECONCILE_GRACE_MS,
            batchSize: config.RECONCILE_BATCH_SIZE,
            leaseMs: config.RECONCILE_LEASE_MS,
          }),
        ),
        component(
          "scheduler",
          createScheduler({
            store: createScheduleRepository(mongo.db),
            messaging,
            events,
            nats,
            outbox,
            log,
            schedules: config.SCHEDULES,
            maintenance: [createRetentionTask({ store: createRetentionRepository(mongo), log, config })],
            tickMs: config.SCHEDULER_TICK_MS,
          }),
        ),
        httpComponent(app, { host: config.HOST, port: config.PORT }),
      ],
    };
  },
});
