import { TENANT_ID_PATTERN } from "@ai-jobs/contracts";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import type { AuthConfig } from "./auth-config.js";
import { isRole, type Principal } from "./principal.js";

/** Asymmetric algorithms accepted from the JWKS; HS256 only with AUTH_JWT_SECRET; never `none`. */
const JWKS_ALGORITHMS = ["RS256", "ES256"];
const HMAC_ALGORITHMS = ["HS256"];
/** The `typ` of our own stream tokens: never accepted as a bearer token. */
export const STREAM_TOKEN_TYPE = "aij-stream+jwt";

export type JwtVerifier = (token: string) => Promise<Principal | undefined>;

/**
 * Verifies a bearer JWT (signature, `exp` required, `nbf`, issuer and audience when configured) and maps its claims
 * to a principal. Any failure is `undefined`: the caller answers 401 invalid_token without saying why.
 */
export function createJwtVerifier(config: AuthConfig): JwtVerifier | undefined {
  const secret = config.AUTH_JWT_SECRET ? new TextEncoder().encode(config.AUTH_JWT_SECRET) : undefined;
  const jwks: JWTVerifyGetKey | undefined = config.AUTH_JWKS_URL
    ? createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), { cooldownDuration: config.AUTH_JWKS_COOLDOWN_MS })
    : undefined;
  if (!secret && !jwks) return undefined;
  const base: JWTVerifyOptions = {
    requiredClaims: ["exp"],
    clockTolerance: config.AUTH_JWT_CLOCK_TOLERANCE_S,
    ...(config.AUTH_JWT_ISSUER ? { issuer: config.AUTH_JWT_ISSUER } : {}),
    ...(config.AUTH_JWT_AUDIENCE ? { audience: config.AUTH_JWT_AUDIENCE } : {}),
  };

  return async (token) => {
    try {
      const header = decodeProtectedHeader(token);
      if (header.typ === STREAM_TOKEN_TYPE) return undefined;
      let payload: JWTPayload;
      if (header.alg === "HS256" && secret) {
        ({ payload } = await jwtVerify(token, secret, { ...base, algorithms: HMAC_ALGORITHMS }));
      } else if (jwks && typeof header.alg === "string" && JWKS_ALGORITHMS.includes(header.alg)) {
        ({ payload } = await jwtVerify(token, jwks, { ...base, algorithms: JWKS_ALGORITHMS }));
      } else {
        return undefined;
      }
      return principalOf(config, payload);
    } catch {
      return undefined;
    }
  };
}

function principalOf(config: AuthConfig, payload: JWTPayload): Principal | undefined {
  const tenantId = payload[config.AUTH_CLAIM_TENANT];
  const userId = payload[config.AUTH_CLAIM_USER];
  const role = payload[config.AUTH_CLAIM_ROLE];
  if (typeof tenantId !== "string" || !TENANT_ID_PATTERN.test(tenantId)) return undefined;
  if (typeof userId !== "string" || userId.length === 0 || userId.length > 256) return undefined;
  if (!isRole(role)) return undefined;
  return { tenantId, userId, role };
}
