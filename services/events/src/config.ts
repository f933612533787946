import {
  authConfigShape,
  baseConfigShape,
  httpSecurityConfigShape,
  listenHost,
  port,
  WebhookAllowlistSetting,
  WebhookPortsSetting,
} from "@ai-jobs/runtime";
import { z } from "zod";
import { cronSetting, SchedulesSetting } from "./schedules/schedule-config.js";
import { WebhookBackoff, WebhookSecrets } from "./webhooks/settings.js";

const ms = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

export const configShape = {
  ...baseConfigShape,
  ...httpSecurityConfigShape,
  PORT: port(8081),
  HOST: listenHost(),
  /** The internal listener: `/metrics`, `/health` (dependency errors) and the probes; never publish it. */
  INTERNAL_PORT: port(9081),
  INTERNAL_HOST: listenHost(),
  ...authConfigShape,
  SSE_KEEPALIVE_MS: ms(100, 15_000),
  /** Bytes of SSE frames one connection may have waiting for its socket; past it the client is closed (retry hint). */
  SSE_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(256 * 1_024),
  /**
   * Events per projection batch at most. A job's events in one batch cost one record write, and on FerretDB a record
   * write (~450/s here) is what limits the projection, so under load bigger batches project more events per second.
   */
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(1_000),
  /** How often the reconciler looks for accepted jobs whose command never reached JetStream. */
  RECONCILE_INTERVAL_MS: ms(100, 5_000),
  /** How old an undispatched record must be before the reconciler takes it: the gateway's own publish goes first. */
  RECONCILE_GRACE_MS: ms(0, 5_000),
  /** Records dispatched per reconciler round, at most. */
  RECONCILE_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
  /** How long a replica's claim on a record keeps the other replicas off it. */
  RECONCILE_LEASE_MS: ms(1_000, 30_000),
  /** How long a due delayed job waits before it is offered to JOBS again when JOBS refuses it (full). */
  DELAYED_RETRY_MS: ms(100, 5_000),
  /** Per-tenant webhook signing secrets, `tenant:whsec_<base64>,…`. */
  WEBHOOK_SECRETS: WebhookSecrets,
  /** Host names, addresses and CIDRs webhooks may reach although private or loopback. */
  WEBHOOK_ALLOWLIST: WebhookAllowlistSetting,
  /** The only ports webhooks may use, whatever the host (the gateway enforces the same list at submit). */
  WEBHOOK_ALLOWED_PORTS: WebhookPortsSetting,
  /** Delays before each webhook retry; one attempt more than listed, then the delivery fails. */
  WEBHOOK_BACKOFF_MS: WebhookBackoff,
  /** How long one webhook POST may take. */
  WEBHOOK_TIMEOUT_MS: ms(100, 10_000),
  /** Webhook POSTs in flight per replica. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Cron schedules that submit jobs: a JSON array, see docs/ARCHITECTURE.md (Schedules). Refused at boot when bad. */
  SCHEDULES: SchedulesSetting,
  /** How often each replica looks for due fires. */
  SCHEDULER_TICK_MS: ms(50, 250),
  /** When the built-in `maintenance.retention` schedule runs (UTC): hourly by default. */
  RETENTION_CRON: cronSetting("0 * * * *"),
  /** Job records (and their job_events) finished longer ago than this are purged. */
  JOB_RETENTION_DAYS: z.coerce.number().min(0).default(30),
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().min(0).default(24),
  DEAD_LETTER_RETENTION_DAYS: z.coerce.number().min(0).default(30),
  SCHEDULE_FIRE_RETENTION_DAYS: z.coerce.number().min(0).default(7),
  /** Ids deleted per statement by the retention purge. */
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
} as const;
