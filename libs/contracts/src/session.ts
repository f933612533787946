import { z } from "zod";

/** The roles of docs/API.md, strongest first (the runtime's `Role` is the same list). */
export const ROLE_NAMES = ["admin", "owner", "member", "viewer"] as const;
export const RoleName = z.enum(ROLE_NAMES);
export type RoleName = z.infer<typeof RoleName>;

/**
 * `GET /api/ai/me/`: who the credential is (its tenant, user and role), and the gateway's settings a client shows
 * its user: `trace_ui_url`, the Jaeger UI a job's `trace_id` opens in (`<url>/trace/<trace_id>`), null when unset.
 */
export const MeView = z.object({
  tenant_id: z.string(),
  user_id: z.string(),
  role: RoleName,
  trace_ui_url: z.string().nullable(),
});
export type MeView = z.infer<typeof MeView>;
