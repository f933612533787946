import type { Collections, DeadLetterRecord } from "@ai-jobs/runtime";

type DeadLetterFilter = NonNullable<Parameters<Collections["deadLetters"]["find"]>[0]>;

export interface DeadLetterListFilter {
  queue?: string | undefined;
  /** Only dead letters with a sequence below this one (the previous page's last). */
  before?: number | undefined;
  limit: number;
}

/** The `dead_letters` index of JOBS_DLQ, filled by the events service. Every query carries the tenant id. */
export interface DeadLetterRepository {
  /** Newest first (by JOBS_DLQ sequence). */
  list(tenantId: string, filter: DeadLetterListFilter): Promise<DeadLetterRecord[]>;
  findBySeq(tenantId: string, seq: number): Promise<DeadLetterRecord | null>;
  markReplayed(tenantId: string, seq: number, at: Date): Promise<DeadLetterRecord | null>;
}

export function createDeadLetterRepository(c: Collections): DeadLetterRepository {
  const findBySeq = (tenantId: string, seq: number) => c.deadLetters.findOne({ _id: seq, tenantId });
  return {
    list(tenantId, { queue, before, limit }) {
      const filter: DeadLetterFilter = { tenantId };
      if (queue !== undefined) filter.queue = queue;
      if (before !== undefined) filter._id = { $lt: before };
      return c.deadLetters.find(filter).sort({ _id: -1 }).limit(limit).toArray();
    },
    findBySeq,
    async markReplayed(tenantId, seq, at) {
      await c.deadLetters.updateOne({ _id: seq, tenantId }, { $set: { replayedAt: at } });
      return findBySeq(tenantId, seq);
    },
  };
}
