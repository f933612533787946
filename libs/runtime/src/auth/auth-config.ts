import { z } from "zod";
import { ConfigError } from "../config.js";
import { AuthTokens } from "./static-tokens.js";

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === "" ? undefined : s.trim()));
const claimName = (fallback: string) => z.string().min(1).default(fallback);
/** A shared HMAC secret: at least 32 bytes, as RFC 7518 asks of an HS256 key. */
const hmacSecret = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s === "" ? undefined : s))
  .refine((s) => s === undefined || Buffer.byteLength(s) >= 32, "must be at least 32 bytes");

/** Authentication settings, the same for the gateway and the events service. */
export const authConfigShape = {
  /** Static `token:tenant:role` pairs, for local development and tests only. */
  AUTH_TOKENS: AuthTokens.prefault(""),
  /** HS256 secret of the JWTs the identity provider signs with a shared key. */
  AUTH_JWT_SECRET: hmacSecret,
  /** JWKS of the identity provider (RS256/ES256 JWTs); keys are cached and refetched on an unknown `kid`. */
  AUTH_JWKS_URL: z.string().url().optional(),
  /** Least time between two JWKS refetches caused by unknown `kid`s. */
  AUTH_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  AUTH_JWT_ISSUER: optionalString,
  AUTH_JWT_AUDIENCE: optionalString,
  /** Leeway for `exp`/`nbf` against clock skew, in seconds. */
  AUTH_JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(5),
  AUTH_CLAIM_TENANT: claimName("tenant_id"),
  AUTH_CLAIM_USER: claimName("sub"),
  AUTH_CLAIM_ROLE: claimName("role"),
  /** HS256 secret of the short-lived SSE stream tokens; the gateway mints them, the events service checks them. */
  STREAM_TOKEN_SECRET: hmacSecret,
  STREAM_TOKEN_TTL_S: z.coerce.number().int().min(10).max(3_600).default(300),
} as const;

export type AuthConfig = Readonly<z.infer<z.ZodObject<typeof authConfigShape>>>;

/** Refuses, at boot, a config with no way to authenticate or with one secret used for two purposes. */
export function assertAuthConfig(config: AuthConfig): void {
  if (config.AUTH_TOKENS.size === 0 && !config.AUTH_JWT_SECRET && !config.AUTH_JWKS_URL) {
    throw new ConfigError(
      "invalid configuration: set AUTH_JWT_SECRET or AUTH_JWKS_URL (or AUTH_TOKENS in development)",
    );
  }
  if (config.STREAM_TOKEN_SECRET !== undefined && config.STREAM_TOKEN_SECRET === config.AUTH_JWT_SECRET) {
    throw new ConfigError("invalid configuration: STREAM_TOKEN_SECRET must differ from AUTH_JWT_SECRET");
  }
}
