import { createEmbedder, createMongoChunkStore } from "@ai-jobs/retrieval";
import type { JobEventPublisher, Logger, Messaging, Metrics, MongoContext, NatsContext } from "@ai-jobs/runtime";
import {
  answerClientError,
  answerFrameworkError,
  cachedRead,
  createApiKeyVerifier,
  createAuthenticator,
  createCancellation,
  createJobOutbox,
  createJobReader,
  createStorageQuotas,
  createStreamTokens,
  createTokenBudgets,
  jobsPerSubjectLimit,
  mongoCheck,
  natsCheck,
  problemsPlugin,
  type ReadinessChecks,
  registerHttpMetrics,
  registerHttpSecurity,
  registerQueueGauges,
  useZodSchemas,
} from "@ai-jobs/runtime";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { GatewayConfig } from "./config.js";
import { createApiKeyRepository } from "./data/api-keys.js";
import { type DashboardAssets, loadDashboardAssets } from "./data/dashboard-assets.js";
import { createDeadLetterRepository } from "./data/dead-letters.js";
import { createDocumentRepository } from "./data/documents.js";
import { createExportFiles } from "./data/exports.js";
import { createIdempotencyKeyRepository } from "./data/idempotency-keys.js";
import { createJobRepository } from "./data/jobs.js";
import { createMaterialStore } from "./data/materials.js";
import { createPlanRepository } from "./data/plans.js";
import { createQueueSampleStore } from "./data/queue-samples.js";
import { readQueueStats } from "./data/queue-stats.js";
import { createRateCounters } from "./data/rate-counters.js";
import { createScheduleStateRepository } from "./data/schedule-states.js";
import { createScheduleStore } from "./data/schedules.js";
import { createTaskProgressRepository } from "./data/task-progress.js";
import { createUsageRepository } from "./data/usage.js";
import { createWaitingJobCounter } from "./data/waiting-jobs.js";
import { createWebhookDeliveryRepository } from "./data/webhook-deliveries.js";
import { createHealthReporter, type HealthReporter } from "./domain/health.js";
import { createTenantQueueCaps } from "./domain/tenant-queue-caps.js";
import { authPlugin } from "./plugins/auth.js";
import { loadSheddingPlugin } from "./plugins/load-shedding.js";
import { noNulPlugin } from "./plugins/no-nul.js";
import { openApiPlugin } from "./plugins/openapi.js";
import { rateLimitsPlugin } from "./plugins/rate-limits.js";
import { tracingPlugin } from "./plugins/tracing.js";
import { adminRoutes } from "./routes/admin.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { exportRoutes } from "./routes/exports.js";
import { healthRoutes, type Lifecycle } from "./routes/health.js";
import { jobStreamRoutes } from "./routes/job-stream.js";
import { jobRoutes } from "./routes/jobs.js";
import { materialRoutes } from "./routes/materials.js";
import { meRoutes } from "./routes/me.js";
import { planJobRoutes } from "./routes/plan-jobs.js";
import { planRoutes } from "./routes/plans.js";
import { queueRoutes } from "./routes/queues.js";
import { scheduleRoutes } from "./routes/schedules.js";
import { searchRoutes } from "./routes/search.js";
import { streamTokenRoutes } from "./routes/stream-token.js";
import { studyTaskRoutes } from "./routes/study-tasks.js";
import { usageRoutes } from "./routes/usage.js";
import { webhookRoutes } from "./routes/webhooks.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Shutdown state: main sets `draining` before closing, and readyz starts answering 503. */
    lifecycle: Lifecycle;
    /** What the internal listener serves on `/readyz` and `/health` (main starts it). */
    operations: { checks: ReadinessChecks; health: HealthReporter };
  }
}

export interface AppDeps {
  config: GatewayConfig;
  log: Logger;
  messaging: Messaging;
  events: JobEventPublisher;
  nats: NatsContext;
  mongo: MongoContext;
  /** Mints sortable ids (ULIDs) for jobs, plans, documents and files. */
  ids: () => string;
  /** Counts HTTP requests and reads queue depths into it; the internal listener serves it on `/metrics`. */
  metrics?: Metrics;
  /** The built dashboard served at `/dashboard/`; default: read from the `@ai-jobs/dashboard` package's build. */
  dashboard?: DashboardAssets | undefined;
}

const API_PREFIX = "/api/ai";
const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Queue depths in /api/ai/health/ are read at most this often. */
const HEALTH_CACHE_MS = 2_000;
/** JSON bodies are small; files go through the multipart route with their own limit. */
const JSON_BODY_LIMIT = 256 * 1024;

/** Builds the gateway's HTTP app from its dependencies. Closing the app does not close them. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, mongo, nats } = deps;
  const logger: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance: logger,
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: JSON_BODY_LIMIT,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // A caller's X-Request-Id is kept when it is a sane token; otherwise the request gets a fresh id.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : deps.ids();
    },
  });

  useZodSchemas(app);

  const lifecycle: Lifecycle = { draining: false };
  app.decorate("lifecycle", lifecycle);
  // Before the requests in flight drain, so the public /readyz fails first and load balancers stop routing here.
  app.addHook("preClose", async () => {
    lifecycle.draining = true;
  });
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });

  const outbox = createJobOutbox(mongo.collections.jobOutbox);
  const reader = createJobReader({ jobs: mongo.collections.jobs, jsm: nats.jsm, outbox, log: deps.log });
  const jobs = createJobRepository(mongo.collections, reader);
  const plans = createPlanRepository(mongo.collections);
  const documents = createDocumentRepository(mongo.collections);
  const materials = createMaterialStore(nats.js);
  const deadLetters = createDeadLetterRepository(mongo.collections);
  const dispatch = { reader, outbox, messaging: deps.messaging, events: deps.events, nats };
  const submit = {
    ...dispatch,
    keys: createIdempotencyKeyRepository(mongo.collections),
    queueCaps: createTenantQueueCaps(
      { ...config, perSubjectLimit: jobsPerSubjectLimit(config) },
      createWaitingJobCounter(nats.jsm),
    ),
    budgets: createTokenBudgets(nats, config),
    quotas: createStorageQuotas(nats, config),
    webhookTargets: { allowlist: config.WEBHOOK_ALLOWLIST, ports: config.WEBHOOK_ALLOWED_PORTS },
  };
  const control = {
    ...dispatch,
    cancellation: createCancellation(nats.js, deps.log),
    schedules: createScheduleStore(nats.jsm),
    deadLetters,
  };
  const checks = { nats: natsCheck(nats.nc), mongo: mongoCheck(mongo.db) };
  const health = createHealthReporter({ checks, queueStats: () => readQueueStats(nats.jsm), cacheMs: HEALTH_CACHE_MS });

  app.decorate("operations", { checks, health });

  await app.register(problemsPlugin);
  // Before auth: a CORS preflight carries no token and is answered here.
  registerHttpSecurity(app, { corsOrigins: config.CORS_ORIGINS, hstsMaxAgeS: config.HSTS_MAX_AGE_S });
  await app.register(loadSheddingPlugin, {
    maxEventLoopDelayMs: config.SHED_EVENT_LOOP_DELAY_MS,
    maxInFlight: config.SHED_MAX_IN_FLIGHT,
  });
  await app.register(tracingPlugin);
  if (deps.metrics) {
    registerHttpMetrics(app, deps.metrics);
    // Queue depth gauges read the consumers at most once per QUEUE_STATS_CACHE_MS, however often they are scraped.
    registerQueueGauges(
      deps.metrics,
      cachedRead(() => readQueueStats(nats.jsm), config.QUEUE_STATS_CACHE_MS),
    );
  }
  const streamTokens = config.STREAM_TOKEN_SECRET
    ? createStreamTokens(config.STREAM_TOKEN_SECRET, config.STREAM_TOKEN_TTL_S)
    : undefined;
  await app.register(authPlugin, {
    authenticator: createAuthenticator(config, {
      apiKeys: createApiKeyVerifier(
        { keys: mongo.collections.apiKeys, uses: mongo.collections.apiKeyUses },
        {
          onError: (err) => deps.log.warn({ err }, "could not record an API key's last use"),
        },
      ),
    }),
    ...(streamTokens ? { streamTokens } : {}),
  });
  await app.register(rateLimitsPlugin, {
    counters: createRateCounters(nats.js),
    connected: () => nats.connected(),
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    perTenant: config.RATE_LIMIT_PER_TENANT,
    tenants: config.RATE_LIMIT_TENANTS,
    perCaller: config.RATE_LIMIT_PER_CALLER,
  });

  await app.register(noNulPlugin);
  // Before the routes, which it collects as they are added: /api/ai/openapi.json and /docs.
  await app.register(openApiPlugin);

  await app.register(healthRoutes, { health, checks, lifecycle });
  const dashboard = "dashboard" in deps ? deps.dashboard : loadDashboardAssets();
  if (!dashboard) deps.log.warn("the dashboard is not built (npm run build): /dashboard/ answers 404");
  await app.register(dashboardRoutes, { assets: dashboard });
  await app.register(meRoutes, { prefix: API_PREFIX, traceUiUrl: config.JAEGER_UI_URL });
  await app.register(planRoutes, { prefix: API_PREFIX, plans, generate: { ...submit, plans, ids: deps.ids } });
  await app.register(materialRoutes, {
    prefix: API_PREFIX,
    upload: { ...submit, plans, documents, materials, ids: deps.ids, maxBytes: config.UPLOAD_MAX_BYTES },
  });
  await app.register(searchRoutes, {
    prefix: API_PREFIX,
    plans,
    store: createMongoChunkStore(mongo.collections),
    embedder: createEmbedder(config),
  });
  await app.register(jobStreamRoutes, { prefix: API_PREFIX, eventsUrl: config.EVENTS_URL });
  // Without STREAM_TOKEN_SECRET there are no stream tokens: the route is not there (404).
  if (streamTokens) await app.register(streamTokenRoutes, { prefix: API_PREFIX, streamTokens });
  await app.register(jobRoutes, { prefix: API_PREFIX, jobs, control });
  await app.register(webhookRoutes, {
    prefix: API_PREFIX,
    jobs,
    deliveries: createWebhookDeliveryRepository(mongo.collections),
  });
  await app.register(adminRoutes, { prefix: API_PREFIX, deadLetters, control });
  await app.register(queueRoutes, {
    prefix: API_PREFIX,
    stats: { jsm: nats.jsm, collections: mongo.collections },
    cacheMs: config.QUEUE_STATS_CACHE_MS,
    samples: createQueueSampleStore(mongo.db),
    sampleIntervalMs: config.QUEUE_SAMPLE_INTERVAL_MS,
  });
  await app.register(scheduleRoutes, { prefix: API_PREFIX, states: createScheduleStateRepository(mongo.db) });
  await app.register(planJobRoutes, { prefix: API_PREFIX, submit: { ...submit, plans, ids: deps.ids } });
  await app.register(studyTaskRoutes, {
    prefix: API_PREFIX,
    progress: createTaskProgressRepository(mongo.collections),
  });
  await app.register(exportRoutes, { prefix: API_PREFIX, jobs, files: createExportFiles(nats.js) });
  await app.register(apiKeyRoutes, {
    prefix: API_PREFIX,
    keys: createApiKeyRepository(mongo.collections),
    maxPerTenant: config.API_KEYS_MAX_PER_TENANT,
  });
  await app.register(usageRoutes, { prefix: API_PREFIX, jobs, usage: createUsageRepository(mongo.db) });
  return app;
}
