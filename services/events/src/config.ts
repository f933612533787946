import { AuthTokens, baseConfigShape, port } from "@ai-jobs/runtime";
import { z } from "zod";

const ms = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

export const configShape = {
  ...baseConfigShape,
  PORT: port(8081),
  HOST: z.string().default("0.0.0.0"),
  AUTH_TOKENS: AuthTokens,
  SSE_KEEPALIVE_MS: ms(100, 15_000),
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(200),
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
} as const;
