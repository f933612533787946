import { AuthTokens, baseConfigShape, port } from "@ai-jobs/runtime";
import { z } from "zod";

export const configShape = {
  ...baseConfigShape,
  PORT: port(8081),
  HOST: z.string().default("0.0.0.0"),
  AUTH_TOKENS: AuthTokens,
  SSE_KEEPALIVE_MS: z.coerce.number().int().min(100).default(15_000),
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(200),
} as const;
