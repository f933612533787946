import { embeddingConfigShape } from "@ai-jobs/retrieval";
import { authConfigShape, baseConfigShape, port } from "@ai-jobs/runtime";
import { z } from "zod";

export const configShape = {
  ...baseConfigShape,
  /** Search embeds its query with the ingestor's embedder: the same EMBEDDING_* and OPENAI_* settings. */
  ...embeddingConfigShape,
  PORT: port(8080),
  HOST: z.string().default("0.0.0.0"),
  ...authConfigShape,
  /** Base URL of an events replica (or its load balancer); the gateway proxies SSE there. */
  EVENTS_URL: z.string().url().default("http://127.0.0.1:8081"),
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(25 * 1024 * 1024),
  /** Load shedding: 503 + Retry-After while the event loop is this late (ms, 0: off). */
  SHED_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  /** Load shedding: 503 + Retry-After while this many requests are in progress (0: off). */
  SHED_MAX_IN_FLIGHT: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
  /** How long `GET /api/ai/queues/` serves one reading of consumer info, worker heartbeats and throughput. */
  QUEUE_STATS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
} as const;

export type GatewayConfig = Readonly<z.infer<z.ZodObject<typeof configShape>>>;
