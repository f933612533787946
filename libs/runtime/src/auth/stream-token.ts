import { TENANT_ID_PATTERN } from "@ai-jobs/contracts";
import { jwtVerify, SignJWT } from "jose";
import { STREAM_TOKEN_TYPE } from "./jwt-verifier.js";
import { isRole, type Principal, type StreamScope } from "./principal.js";

const ISSUER = "ai-jobs";
const AUDIENCE = "ai-jobs:job-stream";

export interface StreamTokens {
  /** A token for `?token=` on the SSE route: this principal, this scope, `ttlSeconds` long. */
  mint(principal: Principal, scope: StreamScope): Promise<{ token: string; expiresAt: Date }>;
  /** The principal (with its scope) of a valid, unexpired stream token, else undefined. */
  verify(token: string): Promise<Principal | undefined>;
}

/**
 * Short-lived HS256 tokens for browsers, whose EventSource cannot send an Authorization header. They have their own
 * secret, `typ`, issuer and audience, so a bearer JWT is never a stream token and a stream token never a bearer JWT.
 */
export function createStreamTokens(
  secret: string,
  ttlSeconds: number,
  now: () => Date = () => new Date(),
): StreamTokens {
  const key = new TextEncoder().encode(secret);
  return {
    async mint(principal, scope) {
      const issuedAt = Math.floor(now().getTime() / 1_000);
      const expiresAt = new Date((issuedAt + ttlSeconds) * 1_000);
      const token = await new SignJWT({
        tenant_id: principal.tenantId,
        role: principal.role,
        ...(scope.all ? { all: true } : { job_ids: [...scope.jobIds] }),
      })
        .setProtectedHeader({ alg: "HS256", typ: STREAM_TOKEN_TYPE })
        .setSubject(principal.userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(key);
      return { token, expiresAt };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          typ: STREAM_TOKEN_TYPE,
          issuer: ISSUER,
          audience: AUDIENCE,
          requiredClaims: ["exp", "sub"],
          currentDate: now(),
        });
        const { tenant_id: tenantId, role, all, job_ids: jobIds, sub: userId } = payload;
        if (typeof tenantId !== "string" || !TENANT_ID_PATTERN.test(tenantId) || !isRole(role) || !userId) {
          return undefined;
        }
        let streamScope: StreamScope;
        if (all === true) streamScope = { all: true };
        else if (Array.isArray(jobIds) && jobIds.every((id) => typeof id === "string")) {
          streamScope = { all: false, jobIds: jobIds as string[] };
        } else return undefined;
        return { tenantId, userId, role, streamScope };
      } catch {
        return undefined;
      }
    },
  };
}
