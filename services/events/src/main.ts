import {
  bootService,
  closeInternalServer,
  closeService,
  createApiKeyVerifier,
  createAuthenticator,
  createJobOutbox,
  createJobReader,
  createStreamTokens,
  handleShutdown,
  loadConfig,
  mongoCheck,
  natsCheck,
  packageVersion,
  runMain,
  startInternalServer,
} from "@ai-jobs/runtime";
import { buildApp } from "./app.js";
import { configShape } from "./config.js";
import { createAdvisoryHandler } from "./dead-letters/advisories.js";
import { createDeadLetterIndexer } from "./dead-letters/indexer.js";
import { createDelayedForwarder } from "./delayed/forwarder.js";
import { createProjector } from "./projection/projector.js";
import { claimsOf } from "./reconciler/claims.js";
import { createReconciler } from "./reconciler/reconciler.js";
import { createRetentionTask } from "./retention/task.js";
import { createScheduler } from "./schedules/scheduler.js";
import { createWebhookDispatcher } from "./webhooks/dispatcher.js";

const SERVICE = "events";

runMain(SERVICE, async () => {
  const config = loadConfig(configShape);
  const ctx = await bootService(SERVICE, packageVersion(new URL("../package.json", import.meta.url)), config);
  const { log, nats, mongo, messaging, events } = ctx;
  const outbox = createJobOutbox(mongo.collections.jobOutbox);
  const jobs = createJobReader({ jobs: mongo.collections.jobs, jsm: nats.jsm, outbox, log });

  const projector = createProjector({
    nats,
    messaging,
    collections: mongo.collections,
    log,
    batchSize: config.PROJECTOR_BATCH_SIZE,
  });
  await projector.start();
  const forwarder = createDelayedForwarder({ nats, messaging, log, retryDelayMs: config.DELAYED_RETRY_MS });
  await forwarder.start();
  const advisories = createAdvisoryHandler({ nats, messaging, events, log });
  await advisories.start();
  const indexer = createDeadLetterIndexer({ nats, messaging, collections: mongo.collections, log });
  await indexer.start();
  const reconciler = createReconciler({
    nats,
    messaging,
    events,
    outbox,
    claims: claimsOf(mongo.db),
    log,
    intervalMs: config.RECONCILE_INTERVAL_MS,
    graceMs: config.RECONCILE_GRACE_MS,
    batchSize: config.RECONCILE_BATCH_SIZE,
    leaseMs: config.RECONCILE_LEASE_MS,
  });
  reconciler.start();
  const scheduler = createScheduler({
    db: mongo.db,
    messaging,
    events,
    nats,
    outbox,
    log,
    schedules: config.SCHEDULES,
    maintenance: [createRetentionTask({ db: mongo.db, collections: mongo.collections, log, config })],
    tickMs: config.SCHEDULER_TICK_MS,
  });
  await scheduler.start();
  const webhooks = createWebhookDispatcher({
    nats,
    messaging,
    collections: mongo.collections,
    jobs,
    log,
    settings: {
      secrets: config.WEBHOOK_SECRETS,
      targets: { allowlist: config.WEBHOOK_ALLOWLIST, ports: config.WEBHOOK_ALLOWED_PORTS },
      backoffMs: config.WEBHOOK_BACKOFF_MS,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      concurrency: config.WEBHOOK_CONCURRENCY,
    },
  });
  await webhooks.start();

  let draining = false;
  const readiness = { nats: natsCheck(nats.nc), mongo: mongoCheck(mongo.db) };
  const app = buildApp({
    log,
    authenticator: createAuthenticator(config, {
      apiKeys: createApiKeyVerifier(
        { keys: ctx.mongo.collections.apiKeys, uses: ctx.mongo.collections.apiKeyUses },
        {
          onError: (err) => log.warn({ err }, "could not record an API key's last use"),
        },
      ),
    }),
    ...(config.STREAM_TOKEN_SECRET
      ? { streamTokens: createStreamTokens(config.STREAM_TOKEN_SECRET, config.STREAM_TOKEN_TTL_S) }
      : {}),
    jobs,
    nats,
    keepAliveMs: config.SSE_KEEPALIVE_MS,
    sseMaxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES,
    readiness,
    draining: () => draining,
    security: { corsOrigins: config.CORS_ORIGINS, hstsMaxAgeS: config.HSTS_MAX_AGE_S },
    metrics: ctx.metrics,
    messaging,
  });
  // Metrics and the dependency errors: only on the internal listener, never on the public port.
  const internal = await startInternalServer({
    host: config.INTERNAL_HOST,
    port: config.INTERNAL_PORT,
    checks: readiness,
    log,
    draining: () => draining,
    metrics: ctx.metrics.registry,
  });
  await app.listen({ port: config.PORT, host: config.HOST });

  handleShutdown(log, config.SHUTDOWN_TIMEOUT_MS, [
    {
      name: "mark draining",
      run: () => {
        draining = true;
      },
    },
    // Ends the open SSE streams; their clients resume on another replica with Last-Event-ID.
    { name: "close http", run: () => app.close() },
    { name: "close internal listener", run: () => closeInternalServer(internal) },
    // Publishers first (new work into JOBS), then the consumers; the projector last, so it sees their events.
    { name: "stop scheduler", run: () => scheduler.stop() },
    { name: "stop reconciler", run: () => reconciler.stop() },
    { name: "stop delayed forwarder", run: () => forwarder.stop() },
    { name: "stop max-deliveries handler", run: () => advisories.stop() },
    { name: "stop dead-letter indexer", run: () => indexer.stop() },
    // Finishes the POSTs in flight; pending retries stay in JetStream for whichever replica runs next.
    { name: "stop webhook dispatcher", run: () => webhooks.stop() },
    { name: "stop projector", run: () => projector.stop() },
    { name: "close connections", run: () => closeService(ctx) },
  ]);
  log.info({ port: config.PORT }, "events service ready");
});
