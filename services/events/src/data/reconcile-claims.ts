import { isDuplicateKey } from "@ai-jobs/runtime";
import type { Collection, Db } from "mongodb";

/** One replica's claim on one undispatched job for one lease window. */
export interface ReconcileClaim {
  /** `<jobId>:<lease window number>` */
  _id: string;
  jobId: string;
  at: Date;
}

export const CLAIMS_COLLECTION = "reconcile_claims";

export const claimsOf = (db: Db): Collection<ReconcileClaim> => db.collection<ReconcileClaim>(CLAIMS_COLLECTION);

/** `reconcile_claims`: per-window claims, so replicas rarely publish the same held dispatch twice. */
export interface ReconcileClaimRepository {
  /**
   * Claims a job for the current lease window (`floor(now / leaseMs)`), and returns the claim id, or undefined when
   * another replica holds it. The claim is an insert with a unique `_id`: the one write both MongoDB and FerretDB
   * perform atomically (FerretDB on SQLite evaluates an update's filter and applies it in separate steps, so a
   * conditional `findOneAndUpdate` lets concurrent claimers all win). A claim ends with its window, so the job of a
   * replica that died mid-publish is taken over in the next one. Two replicas at a window's edge may both win; the
   * msg ids of what they publish make JetStream keep one copy.
   */
  claim(jobId: string, now: Date, leaseMs: number): Promise<string | undefined>;
  /** Ends a claim early: the job is dispatched, or its publish failed and any replica may try again. */
  release(id: string): Promise<void>;
  /** Drops the claims of replicas that died holding them; their windows are long past. */
  purgeStale(before: Date): Promise<void>;
}

export function createReconcileClaimRepository(db: Db): ReconcileClaimRepository {
  const claims = claimsOf(db);
  return {
    async claim(jobId, now, leaseMs) {
      const _id = `${jobId}:${Math.floor(now.getTime() / leaseMs)}`;
      try {
        await claims.insertOne({ _id, jobId, at: now });
        return _id;
      } catch (err) {
        if (isDuplicateKey(err)) return undefined;
        throw err;
      }
    },
    async release(id) {
      await claims.deleteOne({ _id: id });
    },
    async purgeStale(before) {
      await claims.deleteMany({ at: { $lt: before } });
    },
  };
}
