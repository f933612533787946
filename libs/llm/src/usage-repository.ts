import { type JobCommand, LLM_USAGE_COLLECTION, type LlmUsageRecord } from "@ai-jobs/contracts";
import type { MongoContext } from "@ai-jobs/runtime";
import type { UsageTotals } from "./usage.js";

type Db = MongoContext["db"];

/** Where a worker records what each job attempt spent on the model (`llm_usage`, one record per attempt). */
export interface UsageRepository {
  record(command: JobCommand, attempt: number, totals: UsageTotals): Promise<void>;
}

export function createUsageRepository(db: Db): UsageRepository {
  const usage = db.collection<LlmUsageRecord>(LLM_USAGE_COLLECTION);
  return {
    async record(command, attempt, totals) {
      const record: LlmUsageRecord = {
        _id: `${command.jobId}:${attempt}`,
        tenantId: command.tenantId,
        jobId: command.jobId,
        type: command.type,
        attempt,
        system: totals.system,
        model: totals.model,
        calls: totals.calls,
        promptTokens: totals.promptTokens,
        completionTokens: totals.completionTokens,
        latencyMs: totals.latencyMs,
        at: new Date(),
      };
      // Keyed by job and attempt: a redelivered attempt overwrites its own record instead of adding one. Insert
      // first: on FerretDB an insert is constant time while an update scans the collection.
      try {
        await usage.insertOne(record);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await usage.replaceOne({ _id: record._id }, record);
      }
    },
  };
}

const isDuplicateKey = (err: unknown) => (err as { code?: unknown } | null)?.code === 11000;

/** Indexes of the usage reads (per job, per tenant over time); idempotent. */
export async function ensureUsageIndexes(db: Db): Promise<void> {
  const usage = db.collection<LlmUsageRecord>(LLM_USAGE_COLLECTION);
  await Promise.all([usage.createIndex({ jobId: 1 }), usage.createIndex({ tenantId: 1, at: -1 })]);
}
