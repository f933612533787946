import { type ApiKeyVerifier, isApiKeyShaped } from "./api-keys.js";
import { type AuthConfig, assertAuthConfig } from "./auth-config.js";
import { createJwtVerifier } from "./jwt-verifier.js";
import type { Principal } from "./principal.js";

/** `missing`: no credentials sent; `invalid`: credentials sent and refused (RFC 6750 `error="invalid_token"`). */
export type AuthOutcome = { principal: Principal } | { refused: "missing" | "invalid" };

export interface Authenticator {
  /** Resolves an `Authorization` header (`Bearer <static token or JWT>`). */
  authenticate(header: string | undefined): Promise<AuthOutcome>;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * The one authenticator of the gateway and the events service: static development tokens first, then API keys
 * (`aij_…`, when a verifier is given), then JWTs.
 */
export function createAuthenticator(config: AuthConfig, deps: { apiKeys?: ApiKeyVerifier } = {}): Authenticator {
  assertAuthConfig(config);
  const verifyJwt = createJwtVerifier(config);
  return {
    async authenticate(header) {
      if (!header) return { refused: "missing" };
      const token = BEARER.exec(header)?.[1];
      if (!token) return { refused: "invalid" };
      const fromMap = config.AUTH_TOKENS.get(token);
      if (fromMap) return { principal: fromMap };
      if (deps.apiKeys && isApiKeyShaped(token)) {
        const fromKey = await deps.apiKeys(token);
        return fromKey ? { principal: fromKey } : { refused: "invalid" };
      }
      const fromJwt = verifyJwt ? await verifyJwt(token) : undefined;
      return fromJwt ? { principal: fromJwt } : { refused: "invalid" };
    },
  };
}

/** The `WWW-Authenticate` value of a 401 (RFC 6750 section 3). */
export const wwwAuthenticate = (refused: "missing" | "invalid"): string =>
  refused === "missing" ? 'Bearer realm="ai-jobs"' : 'Bearer realm="ai-jobs", error="invalid_token"';
