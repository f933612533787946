/**
 * Roles: `admin` is the platform operator; within a tenant an `owner` manages everything, a `member` submits jobs and
 * acts only on what they submitted, a `viewer` only reads.
 */
export const ROLES = ["admin", "owner", "member", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === "string" && ROLES.includes(value as Role);

/** What a browser stream token allows: some jobs, or all of the tenant's. */
export type StreamScope = { all: true } | { all: false; jobIds: readonly string[] };

export interface Principal {
  tenantId: string;
  userId: string;
  role: Role;
  /** The API key it authenticated with, if any: the key is its own caller for the per-caller rate limit. */
  keyId?: string;
  /** Set only for a principal that came from a stream token (`?token=` on the SSE route). */
  streamScope?: StreamScope;
}
