import { MongoBulkWriteError, MongoServerError } from "mongodb";

/** MongoDB's (and FerretDB's) code for a write refused by a unique index. */
export const DUPLICATE_KEY = 11000;

/** A single write refused by a unique index: the document (or claim) exists already. */
export const isDuplicateKey = (err: unknown): boolean =>
  (err instanceof MongoServerError || isWriteError(err)) && (err as { code?: unknown }).code === DUPLICATE_KEY;

/** A per-document error of a bulk write (the driver does not export its class). */
const isWriteError = (err: unknown): boolean =>
  typeof err === "object" && err !== null && err.constructor?.name === "WriteError";

/**
 * An unordered bulk write whose only failures are unique-index refusals: every other document was written, and the
 * refused ones exist already (a replayed insert).
 */
export function isOnlyDuplicateKeys(err: unknown): boolean {
  if (!(err instanceof MongoBulkWriteError) || err.result.getWriteConcernError()) return false;
  const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY);
}

/** Positions (in the documents sent) of the writes an unordered bulk write saw refused by a unique index. */
export function duplicateKeyIndexes(err: unknown): number[] {
  if (!(err instanceof MongoBulkWriteError)) return [];
  const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  return writeErrors.filter((e) => e.code === DUPLICATE_KEY).map((e) => e.index);
}
