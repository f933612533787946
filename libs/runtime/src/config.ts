import os from "node:os";
import { z } from "zod";
import { jobTimeoutsSetting } from "./job-timeouts.js";
import { JOBS_MAX_PER_TENANT } from "./nats.js";
import { perTenantSetting } from "./per-tenant-setting.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Settings every service shares. Services extend this shape with their own. */
export const baseConfigShape = {
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /**
   * This service's NKEY seed (`SU…`, a secret): the NATS user whose permissions nats-auth/permissions.ts lists.
   * Unset: connect without credentials (a server without an authorization block, e.g. unit tests).
   */
  NATS_NKEY_SEED: z
    .string()
    .regex(/^SU[A-Z2-7]{56}$/, "must be a user NKEY seed (SU followed by 56 base32 characters)")
    .optional(),
  /** TLS to NATS: the CA file that signed the server's certificate (set it to require TLS). */
  NATS_TLS_CA: z.string().min(1).optional(),
  /** Client certificate and key files, for a server that verifies clients (mutual TLS). */
  NATS_TLS_CERT: z.string().min(1).optional(),
  NATS_TLS_KEY: z.string().min(1).optional(),
  MONGO_URL: z.string().default("mongodb://127.0.0.1:27017/"),
  MONGO_DB: z.string().default("ai_jobs"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SERVICE_INSTANCE_ID: z.string().default(`${os.hostname()}-${process.pid}`),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** OTLP/HTTP body encoding of exported traces (the standard variable); gRPC is not shipped. */
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/protobuf", "http/json"]).optional(),
  /** Overrides the service name in traces (the standard OpenTelemetry variable). */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(25_000),
  /** Bounds of the JOBS stream: a full queue refuses new jobs instead of dropping old ones. */
  JOBS_MAX_MSGS: z.coerce.number().int().min(1).default(1_000_000),
  /**
   * Jobs one tenant may have waiting or running in one queue at one priority (JOBS' per-subject limit, enforced by
   * JetStream itself, so every gateway replica shares it exactly): above it the tenant's submits get 429.
   */
  JOBS_MAX_PER_TENANT: z.coerce.number().int().min(1).default(JOBS_MAX_PER_TENANT),
  /**
   * Per-tenant values of `JOBS_MAX_PER_TENANT`, `acme=200000,trial=100`. JOBS' per-subject limit is the largest of
   * all; a tenant whose own cap is below it is checked by the gateway with a count (`jobsPerSubjectLimit`).
   */
  JOBS_MAX_PER_TENANT_TENANTS: perTenantSetting.refine(
    (caps) => [...caps.values()].every((cap) => cap >= 1),
    "a tenant's cap on waiting jobs must be at least 1",
  ),
  JOBS_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1_048_576)
    .default(2 * 1024 ** 3),
  /**
   * How long a job may go without a heartbeat before JetStream redelivers it: the time to recover from a crashed
   * worker. Workers heartbeat every second (every third of it when that is shorter), so a live worker rides out an
   * event-loop stall of ack_wait minus a second. Every service must agree on it (it is the worker consumers' ack_wait).
   */
  JOBS_ACK_WAIT_MS: z.coerce.number().int().min(1_000).default(8_000),
  /** Per-type attempt time limits, `plan.generate=1000,material.ingest=5000`, overriding the job type registry. */
  JOB_TIMEOUTS_MS: jobTimeoutsSetting,
} as const;

export type BaseConfig = z.infer<z.ZodObject<typeof baseConfigShape>>;

/**
 * JOBS' per-subject limit: the largest per-tenant cap, so that JetStream enforces every tenant's cap exactly for the
 * tenants at it, and the gateway counts only for tenants given a lower one. Every service provisions with it.
 */
export function jobsPerSubjectLimit(
  config: Pick<BaseConfig, "JOBS_MAX_PER_TENANT" | "JOBS_MAX_PER_TENANT_TENANTS">,
): number {
  return Math.max(config.JOBS_MAX_PER_TENANT, ...config.JOBS_MAX_PER_TENANT_TENANTS.values());
}

/** Parses the environment once at boot. The result is frozen: behaviour never depends on env reads later. */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<z.ZodObject<S>>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return Object.freeze(result.data);
}

/** A port number from the environment. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

/**
 * The address a listener binds. Loopback by default, so a process started by hand (or by `npm run dev`) is not
 * reachable from the network; containers and pods set `0.0.0.0` explicitly.
 */
export const listenHost = () => z.string().min(1).default("127.0.0.1");
