import { ERROR_CODES, type StorageKind } from "@ai-jobs/contracts";
import type { StorageQuotas } from "@ai-jobs/runtime";
import { tooManyRequests } from "@ai-jobs/runtime";

/**
 * A byte quota does not reset with time: only deleting what the tenant stores, or a larger quota, frees it. The
 * 429 still says when to look again, as every limit does; an hour keeps clients from polling it.
 */
const QUOTA_RETRY_AFTER_S = 3_600;

/** 429 QUOTA_EXCEEDED once the tenant stores its quota of `kind` or more; nothing is read for a tenant without one. */
export async function assertUnderQuota(
  quotas: Pick<StorageQuotas, "check">,
  tenantId: string,
  kind: StorageKind,
): Promise<void> {
  const quota = await quotas.check(tenantId, kind);
  if (quota.allowed) return;
  throw tooManyRequests(
    ERROR_CODES.quotaExceeded,
    `limit ${quota.setting}: this tenant stores ${quota.used} bytes of ${kind}, its quota is ${quota.quota}`,
    QUOTA_RETRY_AFTER_S,
  );
}
