import type { Principal, Role } from "@ai-jobs/runtime";
import { forbidden } from "@ai-jobs/runtime";

/**
 * What a route needs of its caller: `read` a tenant's data, `write` (submit, or act on one's own resources), `manage`
 * the whole tenant (owner), `operate` the platform (admin). `stream` is `read` that also takes a `?token=` stream token.
 */
export type Access = "read" | "stream" | "write" | "manage" | "operate";

const ALLOWED: Readonly<Record<Access, readonly Role[]>> = {
  read: ["admin", "owner", "member", "viewer"],
  stream: ["admin", "owner", "member", "viewer"],
  write: ["admin", "owner", "member"],
  manage: ["admin", "owner"],
  operate: ["admin"],
};

export const allows = (role: Role, access: Access): boolean => ALLOWED[access].includes(role);

/** A route's access when it declares none: reads for GET and HEAD, writes for everything else. */
export const defaultAccess = (method: string): Access => (method === "GET" || method === "HEAD" ? "read" : "write");

/**
 * A member acts only on what they submitted; an owner or an admin on anything of the tenant. (The resource was found
 * in the caller's tenant already: another tenant's is a 404 before this.)
 */
export function assertMayActOn(principal: Principal, submittedBy: string, what: string): void {
  if (principal.role === "member" && submittedBy !== principal.userId) {
    throw forbidden(`a member may only act on the ${what}s they submitted`);
  }
}
