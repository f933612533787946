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
} as const;
