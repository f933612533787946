import { createHash } from "node:crypto";
import { TENANT_ID_PATTERN } from "@ai-jobs/contracts";
import { z } from "zod";
import { isRole, type Principal, type Role } from "./principal.js";

/** Legacy role names of AUTH_TOKENS: `user` was a tenant's full user, now an `owner`. */
const LEGACY_ROLES: Readonly<Record<string, Role>> = { user: "owner" };

/**
 * `AUTH_TOKENS="token:tenant:role,…"`: a static bearer-token map for local development and tests (production uses
 * JWTs). Roles are admin, owner, member, viewer; the legacy `user` means owner; no role means owner.
 */
export const AuthTokens = z.string().transform((raw, ctx) => {
  const map = new Map<string, Principal>();
  for (const entry of raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [token, tenantId, given = "owner"] = entry.split(":");
    const role = LEGACY_ROLES[given] ?? given;
    if (!token || !tenantId || !TENANT_ID_PATTERN.test(tenantId) || !isRole(role)) {
      ctx.addIssue({ code: "custom", message: `bad AUTH_TOKENS entry "${entry.replace(/^[^:]*/, "***")}"` });
      return z.NEVER;
    }
    // The user id is derived from the token without revealing it.
    const userId = `u_${createHash("sha256").update(token).digest("hex").slice(0, 12)}`;
    map.set(token, { tenantId, userId, role });
  }
  return map as ReadonlyMap<string, Principal>;
});
