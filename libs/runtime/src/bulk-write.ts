import type { AnyBulkWriteOperation, BulkWriteOptions, Collection, Document } from "mongodb";

/**
 * FerretDB 1.24 keeps the query of every statement of an `update` command that matched a document open, holding a
 * pooled connection, until the whole command ends: 100 connections on SQLite, and on PostgreSQL as many as its
 * `pool_max_conns` (default 50; the testkit and `npm run dev` set 100). So one bulk of 100 matching updates or
 * replaces deadlocks the server, for every client, for good (measured on both backends: 99 pass, 100 hang).
 * Commands from other clients share the pool, so concurrent bulks can add up to the same (20 concurrent slices of
 * 10 did on PostgreSQL): bulks are sent in small slices. The statements cost FerretDB the same either way; MongoDB
 * pays one round trip per slice.
 */
export const MAX_STATEMENTS_PER_COMMAND = 10;

export interface BulkWriteTotals {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  deletedCount: number;
}

/**
 * `collection.bulkWrite` in slices of at most MAX_STATEMENTS_PER_COMMAND operations, one after another, so an
 * ordered bulk keeps its order across slices (and stops at the first failing slice). Returns the summed counts.
 */
export async function bulkWriteInSlices<T extends Document>(
  collection: Collection<T>,
  operations: readonly AnyBulkWriteOperation<T>[],
  options: BulkWriteOptions = {},
): Promise<BulkWriteTotals> {
  const totals: BulkWriteTotals = {
    insertedCount: 0,
    matchedCount: 0,
    modifiedCount: 0,
    upsertedCount: 0,
    deletedCount: 0,
  };
  for (let i = 0; i < operations.length; i += MAX_STATEMENTS_PER_COMMAND) {
    const result = await collection.bulkWrite(operations.slice(i, i + MAX_STATEMENTS_PER_COMMAND), options);
    totals.insertedCount += result.insertedCount;
    totals.matchedCount += result.matchedCount;
    totals.modifiedCount += result.modifiedCount;
    totals.upsertedCount += result.upsertedCount;
    totals.deletedCount += result.deletedCount;
  }
  return totals;
}
