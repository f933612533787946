import { embeddingConfigShape } from "@ai-jobs/retrieval";
import {
  authConfigShape,
  baseConfigShape,
  httpSecurityConfigShape,
  listenHost,
  perTenantSetting,
  port,
  RATE_LIMIT_MAX_WINDOW_MS,
  storageQuotaConfigShape,
  tokenBudgetConfigShape,
  WebhookAllowlistSetting,
  WebhookPortsSetting,
  withoutTrailingSlashes,
} from "@ai-jobs/runtime";
import { z } from "zod";

export const configShape = {
  ...baseConfigShape,
  /** Search embeds its query with the ingestor's embedder: the same EMBEDDING_* and OPENAI_* settings. */
  ...embeddingConfigShape,
  ...httpSecurityConfigShape,
  PORT: port(8080),
  HOST: listenHost(),
  /** The internal listener: `/metrics`, `/health` (dependencies, queue depths) and the probes; never publish it. */
  INTERNAL_PORT: port(9080),
  INTERNAL_HOST: listenHost(),
  ...authConfigShape,
  /** Base URL of an events replica (or its load balancer); the gateway proxies SSE there. */
  EVENTS_URL: z.string().url().default("http://127.0.0.1:8081"),
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(25 * 1024 * 1024),
  /**
   * The events service's webhook target policy, applied at submit to what a `webhook_url` says alone (its port, an
   * IP literal): set both services alike.
   */
  WEBHOOK_ALLOWLIST: WebhookAllowlistSetting,
  WEBHOOK_ALLOWED_PORTS: WebhookPortsSetting,
  /** Load shedding: 503 + Retry-After while the event loop is this late (ms, 0: off). */
  SHED_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  /** Load shedding: 503 + Retry-After while this many requests are in progress (0: off). */
  SHED_MAX_IN_FLIGHT: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
  ...tokenBudgetConfigShape,
  ...storageQuotaConfigShape,
  /** Live (not revoked, not expired) API keys one tenant may hold; creating one more is a 429 (0: no limit). */
  API_KEYS_MAX_PER_TENANT: z.coerce.number().int().min(0).default(100),
  /** Requests one tenant may make per RATE_LIMIT_WINDOW_MS, across every replica (0: no limit); 429 above it. */
  RATE_LIMIT_PER_TENANT: z.coerce.number().int().min(0).default(12_000),
  /** `acme=60000,globex=600`: RATE_LIMIT_PER_TENANT for these tenants (0: no limit). */
  RATE_LIMIT_TENANTS: perTenantSetting,
  /** Requests one caller (a user or key of a tenant) may make per RATE_LIMIT_WINDOW_MS (0: no limit). */
  RATE_LIMIT_PER_CALLER: z.coerce.number().int().min(0).default(6_000),
  /** The fixed window both rate limits count in. */
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(RATE_LIMIT_MAX_WINDOW_MS).default(60_000),
  /** How long `GET /api/ai/queues/` serves one reading of consumer info, worker heartbeats and throughput. */
  QUEUE_STATS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
  /**
   * How often the queue figures are sampled into the last hour's history (`GET /api/ai/queues/history/`); every
   * replica must agree (a sample's slot is its time rounded down to this).
   */
  QUEUE_SAMPLE_INTERVAL_MS: z.coerce.number().int().min(1_000).max(600_000).default(60_000),
  /** The Jaeger UI the dashboard links a job's trace to (`<url>/trace/<trace_id>`); unset or empty: no link. */
  JAEGER_UI_URL: z
    .string()
    .default("")
    .transform((raw, ctx) => {
      const url = withoutTrailingSlashes(raw.trim());
      if (url === "") return null;
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
        ctx.addIssue({ code: "custom", message: "must be an http(s) URL, e.g. http://jaeger:16686" });
        return z.NEVER;
      }
      return url;
    }),
} as const;

export type GatewayConfig = Readonly<z.infer<z.ZodObject<typeof configShape>>>;
