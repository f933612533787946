import { LLM_USAGE_COLLECTION, type LlmUsageRecord } from "@ai-jobs/contracts";
import type { MongoContext } from "@ai-jobs/runtime";

type Db = MongoContext["db"];

export interface UsageSums {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

export interface TenantUsage {
  totals: UsageSums;
  byModel: Array<UsageSums & { system: string; model: string }>;
  byType: Array<UsageSums & { type: string }>;
  /** Per UTC day (`YYYY-MM-DD`) and model, oldest first. */
  byDay: Array<UsageSums & { day: string; system: string; model: string }>;
}

/** Reads the LLM usage the workers record per job attempt (`llm_usage`). Every query carries the tenant id. */
export interface UsageRepository {
  ofJob(tenantId: string, jobId: string): Promise<LlmUsageRecord[]>;
  ofTenant(tenantId: string, range: { since?: Date | undefined; until?: Date | undefined }): Promise<TenantUsage>;
}

const ZERO: UsageSums = { calls: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0 };

const add = (t: UsageSums, r: UsageSums): UsageSums => ({
  calls: t.calls + r.calls,
  promptTokens: t.promptTokens + r.promptTokens,
  completionTokens: t.completionTokens + r.completionTokens,
  latencyMs: t.latencyMs + r.latencyMs,
});

/** Adds up records per key, in key order. */
function sumBy<K>(records: LlmUsageRecord[], keyOf: (r: LlmUsageRecord) => string, label: (r: LlmUsageRecord) => K) {
  const groups = new Map<string, { label: K; sums: UsageSums }>();
  for (const r of records) {
    const key = keyOf(r);
    const group = groups.get(key) ?? { label: label(r), sums: ZERO };
    groups.set(key, { label: group.label, sums: add(group.sums, r) });
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => ({ ...g.label, ...g.sums }));
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

export function createUsageRepository(db: Db): UsageRepository {
  const usage = db.collection<LlmUsageRecord>(LLM_USAGE_COLLECTION);
  return {
    async ofJob(tenantId, jobId) {
      return (await usage.find({ tenantId, jobId }).toArray()).sort((a, b) => a.attempt - b.attempt);
    },
    async ofTenant(tenantId, range) {
      const at: Record<string, Date> = {};
      if (range.since) at.$gte = range.since;
      if (range.until) at.$lt = range.until;
      // Summed here rather than with $group: FerretDB 1.24 computes only the first of several $sum accumulators
      // of a $group stage (measured: the others come back 0).
      const records = await usage.find({ tenantId, ...(Object.keys(at).length > 0 ? { at } : {}) }).toArray();
      return {
        totals: records.reduce<UsageSums>(add, ZERO),
        byModel: sumBy(
          records,
          (r) => `${r.model}\u0000${r.system}`,
          (r) => ({ system: r.system, model: r.model }),
        ),
        byType: sumBy(
          records,
          (r) => r.type,
          (r) => ({ type: r.type }),
        ),
        byDay: sumBy(
          records,
          (r) => `${utcDay(r.at)}\u0000${r.model}\u0000${r.system}`,
          (r) => ({ day: utcDay(r.at), system: r.system, model: r.model }),
        ),
      };
    },
  };
}
