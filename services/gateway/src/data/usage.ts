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
}

/** Reads the LLM usage the planner records per job attempt (`llm_usage`). Every query carries the tenant id. */
export interface UsageRepository {
  ofJob(tenantId: string, jobId: string): Promise<LlmUsageRecord[]>;
  ofTenant(tenantId: string, range: { since?: Date | undefined; until?: Date | undefined }): Promise<TenantUsage>;
}

const SUMS = {
  calls: { $sum: "$calls" },
  promptTokens: { $sum: "$promptTokens" },
  completionTokens: { $sum: "$completionTokens" },
  latencyMs: { $sum: "$latencyMs" },
} as const;

type Group<K> = UsageSums & { _id: K };

export function createUsageRepository(db: Db): UsageRepository {
  const usage = db.collection<LlmUsageRecord>(LLM_USAGE_COLLECTION);
  const sumsOf = (g: UsageSums): UsageSums => ({
    calls: g.calls,
    promptTokens: g.promptTokens,
    completionTokens: g.completionTokens,
    latencyMs: g.latencyMs,
  });
  return {
    async ofJob(tenantId, jobId) {
      return (await usage.find({ tenantId, jobId }).toArray()).sort((a, b) => a.attempt - b.attempt);
    },
    async ofTenant(tenantId, range) {
      const at: Record<string, Date> = {};
      if (range.since) at.$gte = range.since;
      if (range.until) at.$lt = range.until;
      const match = { tenantId, ...(Object.keys(at).length > 0 ? { at } : {}) };
      const [byModel, byType] = await Promise.all([
        usage
          .aggregate<Group<{ system: string; model: string }>>([
            { $match: match },
            { $group: { _id: { system: "$system", model: "$model" }, ...SUMS } },
          ])
          .toArray(),
        usage.aggregate<Group<string>>([{ $match: match }, { $group: { _id: "$type", ...SUMS } }]).toArray(),
      ]);
      const totals = byType.reduce<UsageSums>(
        (t, g) => ({
          calls: t.calls + g.calls,
          promptTokens: t.promptTokens + g.promptTokens,
          completionTokens: t.completionTokens + g.completionTokens,
          latencyMs: t.latencyMs + g.latencyMs,
        }),
        { calls: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0 },
      );
      return {
        totals,
        byModel: byModel
          .map((g) => ({ system: g._id.system, model: g._id.model, ...sumsOf(g) }))
          .sort((a, b) => a.model.localeCompare(b.model) || a.system.localeCompare(b.system)),
        byType: byType.map((g) => ({ type: g._id, ...sumsOf(g) })).sort((a, b) => a.type.localeCompare(b.type)),
      };
    },
  };
}
