import { type BaseConfig, jobsPerSubjectLimit } from "./config.js";
import { createJobEventPublisher, type JobEventPublisher } from "./job-events.js";
import type { JobTimeouts } from "./job-timeouts.js";
import { createLogger, type Logger } from "./logger.js";
import { createMessaging, type Messaging } from "./messaging.js";
import { observeDeadLetters, observeJobEvents } from "./metrics/job-observer.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import { connectMongo, ensureIndexes, type MongoContext } from "./mongo.js";
import { tracedCollections } from "./mongo-tracing.js";
import { connectNats, type NatsConnectOptions, type NatsContext, provision } from "./nats.js";
import { inboxPrefixOf, NATS_SERVICES, type NatsService } from "./nats-auth/permissions.js";
import { startTelemetry, type Telemetry } from "./telemetry.js";

export interface ServiceContext {
  log: Logger;
  telemetry: Telemetry;
  nats: NatsContext;
  messaging: Messaging;
  events: JobEventPublisher;
  /** `collections` are traced (a span per write inside a request, job or batch); `db` is not. */
  mongo: MongoContext;
  /** This service's Prometheus registry and instruments, served on `/metrics`. */
  metrics: Metrics;
  /** The job execution settings from config, for the services that create a worker. */
  jobSettings: JobSettings;
}

/** Passed to `createWorker` as they are: `ackWaitMs` must match the consumers' ack_wait provisioned at boot. */
export interface JobSettings {
  ackWaitMs: number;
  timeouts: JobTimeouts;
}

/**
 * The common boot of every service: telemetry first (so everything after is traced), then logs, metrics, NATS
 * with idempotent provisioning, and MongoDB with its indexes. The messaging and job event publishers it hands out
 * count dead letters and job outcomes into the metrics, and the collections are traced.
 */
export async function bootService(name: string, version: string, config: BaseConfig): Promise<ServiceContext> {
  const telemetry = startTelemetry({
    serviceName: config.OTEL_SERVICE_NAME ?? name,
    serviceVersion: version,
    instanceId: config.SERVICE_INSTANCE_ID,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    otlpProtocol: config.OTEL_EXPORTER_OTLP_PROTOCOL,
  });
  const log = createLogger({ service: name, instanceId: config.SERVICE_INSTANCE_ID, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: name });
  const nats = await connectNats(
    config.NATS_URL,
    `${name}:${config.SERVICE_INSTANCE_ID}`,
    log,
    natsConnectOptions(name, config),
  );
  await provision(nats, {
    jobsMaxMsgs: config.JOBS_MAX_MSGS,
    jobsMaxBytes: config.JOBS_MAX_BYTES,
    jobsMaxPerTenant: jobsPerSubjectLimit(config),
    log,
    ackWaitMs: config.JOBS_ACK_WAIT_MS,
  });
  const connected = await connectMongo(config.MONGO_URL, config.MONGO_DB);
  await ensureIndexes(connected.collections);
  const mongo = { ...connected, collections: tracedCollections(connected.collections, telemetry.tracer) };
  const messaging = observeDeadLetters(createMessaging(nats.publisher, telemetry.tracer), metrics);
  const events = observeJobEvents(createJobEventPublisher(messaging), metrics);
  log.info("connected to nats and mongodb");
  const jobSettings = { ackWaitMs: config.JOBS_ACK_WAIT_MS, timeouts: config.JOB_TIMEOUTS_MS };
  return { log, telemetry, nats, messaging, events, mongo, metrics, jobSettings };
}

/** The service's NATS identity from its config; its own inbox prefix when it is one of the NATS users. */
export function natsConnectOptions(name: string, config: BaseConfig): NatsConnectOptions {
  const tls =
    config.NATS_TLS_CA || config.NATS_TLS_CERT || config.NATS_TLS_KEY
      ? { caFile: config.NATS_TLS_CA, certFile: config.NATS_TLS_CERT, keyFile: config.NATS_TLS_KEY }
      : undefined;
  return {
    nkeySeed: config.NATS_NKEY_SEED,
    inboxPrefix: (NATS_SERVICES as readonly string[]).includes(name) ? inboxPrefixOf(name as NatsService) : undefined,
    tls,
  };
}

/** Closes what bootService opened, in reverse order. */
export async function closeService(ctx: ServiceContext): Promise<void> {
  await ctx.nats.nc.drain().catch(() => undefined);
  await ctx.mongo.client.close();
  await ctx.telemetry.shutdown();
}
