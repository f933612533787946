import { type Collections, type DeadLetterRecord, isDuplicateKey } from "@ai-jobs/runtime";

/** `dead_letters`, the index of JOBS_DLQ (`_id` = its stream sequence) the gateway's admin API lists by tenant. */
export interface DeadLetterRepository {
  /**
   * Inserts the record with `replayedAt: null`, or, when it exists, rewrites every field but `replayedAt`, so a
   * replay mark set by the gateway is never reset. (Not one upsert with `$setOnInsert: {replayedAt: null}`:
   * FerretDB 1.24 drops `$setOnInsert` fields whose value is null.)
   */
  upsertKeepingReplay(record: Omit<DeadLetterRecord, "replayedAt">): Promise<void>;
}

export function createDeadLetterRepository(c: Pick<Collections, "deadLetters">): DeadLetterRepository {
  return {
    async upsertKeepingReplay(record) {
      try {
        await c.deadLetters.insertOne({ ...record, replayedAt: null });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const { _id, ...fields } = record;
        await c.deadLetters.updateOne({ _id }, { $set: fields });
      }
    },
  };
}
