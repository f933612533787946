import { baseConfigShape, port } from "@ai-jobs/runtime";
import { z } from "zod";

export const configShape = {
  ...baseConfigShape,
  HEALTH_PORT: port(8082),
  HOST: z.string().default("0.0.0.0"),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** Unset: the deterministic offline provider runs (results labelled `provider: offline`). */
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  /** Simulated latency per drafted day of the offline provider, for demos, benchmarks and crash tests. */
  OFFLINE_STEP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
} as const;
