import { z } from "zod";

/** Work queues: one per worker kind. A job type belongs to exactly one queue. */
export const QUEUES = ["ai_generation", "ingest"] as const;
export const Queue = z.enum(QUEUES);
export type Queue = z.infer<typeof Queue>;

/** Highest first. Workers poll in this order, with aging so the lower ones never starve. */
export const PRIORITIES = ["critical", "high", "normal", "low"] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

/** A tenant id is also a subject token, so it must be safe there. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const TenantId = z.string().regex(TENANT_ID_PATTERN, "tenant id must match [A-Za-z0-9_-]{1,64}");
export type TenantId = z.infer<typeof TenantId>;

/** Ids we mint are ULIDs: sortable by creation time and safe as subject tokens. */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const Ulid = z.string().regex(ULID_PATTERN, "must be a ULID");
