import { STREAMS, type StorageKind, SUBJECTS } from "@ai-jobs/contracts";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { z } from "zod";
import { incrementCounter, readCounter } from "./counters.js";
import { perTenantSetting } from "./per-tenant-setting.js";

/** The byte quotas, shared by the gateway (which refuses uploads and exports) and the planner (which writes exports). */
export const storageQuotaConfigShape = {
  /** Bytes of uploaded materials one tenant may store (0: no quota). */
  UPLOAD_QUOTA_BYTES: z.coerce.number().int().min(0).default(0),
  /** `acme=10737418240,globex=0`: UPLOAD_QUOTA_BYTES for these tenants. */
  UPLOAD_QUOTA_BYTES_TENANTS: perTenantSetting,
  /** Bytes of plan exports one tenant may store (0: no quota). */
  EXPORT_QUOTA_BYTES: z.coerce.number().int().min(0).default(0),
  /** `acme=1073741824`: EXPORT_QUOTA_BYTES for these tenants. */
  EXPORT_QUOTA_BYTES_TENANTS: perTenantSetting,
} as const;

export interface StorageQuotaSettings {
  UPLOAD_QUOTA_BYTES: number;
  UPLOAD_QUOTA_BYTES_TENANTS: ReadonlyMap<string, number>;
  EXPORT_QUOTA_BYTES: number;
  EXPORT_QUOTA_BYTES_TENANTS: ReadonlyMap<string, number>;
}

export interface QuotaCheck {
  /** False once the tenant stores its quota or more. */
  allowed: boolean;
  used: number;
  /** Undefined when the tenant has no quota for this store (then nothing was read). */
  quota: number | undefined;
  /** The setting that sets this quota, for the answer that names it. */
  setting: string;
}

/** Each tenant's bytes in MATERIALS and EXPORTS: read before more is stored, charged (or refunded) as it changes. */
export interface StorageQuotas {
  check(tenantId: string, kind: StorageKind): Promise<QuotaCheck>;
  /** Adds `bytes` (negative: gives them back) to what the tenant stores; `chargeId` makes a repeat count once. */
  charge(tenantId: string, kind: StorageKind, bytes: number, chargeId: string): Promise<void>;
}

/**
 * Quotas over the TENANT_STORAGE counters (`storage.<tenant>.<kind>`): a check is one direct get (none for a tenant
 * without a quota), a charge one increment. The check comes before the bytes are written, so a tenant may end over
 * its quota by at most one upload (`UPLOAD_MAX_BYTES`) or one export: the quota stops the next one.
 */
export function createStorageQuotas(
  nats: { js: JetStreamClient; jsm: JetStreamManager },
  settings: StorageQuotaSettings,
): StorageQuotas {
  const quotaOf = (tenantId: string, kind: StorageKind): { quota: number | undefined; setting: string } => {
    const [setting, fallback, tenants] =
      kind === "materials"
        ? (["UPLOAD_QUOTA_BYTES", settings.UPLOAD_QUOTA_BYTES, settings.UPLOAD_QUOTA_BYTES_TENANTS] as const)
        : (["EXPORT_QUOTA_BYTES", settings.EXPORT_QUOTA_BYTES, settings.EXPORT_QUOTA_BYTES_TENANTS] as const);
    const quota = tenants.get(tenantId) ?? fallback;
    return { quota: quota > 0 ? quota : undefined, setting };
  };
  return {
    async check(tenantId, kind) {
      const { quota, setting } = quotaOf(tenantId, kind);
      if (quota === undefined) return { allowed: true, used: 0, quota, setting };
      const used = await readCounter(nats.jsm, STREAMS.tenantStorage, SUBJECTS.bytesStored(tenantId, kind));
      return { allowed: used < quota, used, quota, setting };
    },
    async charge(tenantId, kind, bytes, chargeId) {
      const whole = Math.round(bytes);
      if (whole === 0) return;
      await incrementCounter(nats.js, SUBJECTS.bytesStored(tenantId, kind), whole, { msgId: chargeId });
    },
  };
}
