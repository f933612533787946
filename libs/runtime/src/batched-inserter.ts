import { type Collection, type Document, MongoBulkWriteError, type OptionalUnlessRequiredId } from "mongodb";

/**
 * Inserts one document per call, but sends the calls that arrive together as one `insertMany` (group commit):
 * a single insert costs a round trip and a transaction each, while FerretDB takes batches at 7,000–15,000
 * documents/s against ~750 single inserts/s (measured on this machine). A call never waits for a timer: the first
 * one goes at once, and what arrives while `inFlight` batches are being written forms the next batch. Each call
 * gets its own outcome: a document refused (say by a unique index) rejects only its own call, with the driver's
 * write error (code 11000 for a duplicate key); a failure of the whole command rejects every call of the batch.
 */
export interface BatchedInserter<T extends Document> {
  insert(doc: OptionalUnlessRequiredId<T>): Promise<void>;
}

export interface BatchedInserterOptions {
  /** Batches being written at once (default 2: one is built while the other is written). */
  inFlight?: number;
  /** Documents per `insertMany` at most (default 500). */
  maxBatch?: number;
}

interface Waiting<T> {
  doc: OptionalUnlessRequiredId<T>;
  resolve(): void;
  reject(err: unknown): void;
}

export function createBatchedInserter<T extends Document>(
  collection: Collection<T>,
  opts: BatchedInserterOptions = {},
): BatchedInserter<T> {
  const inFlightLimit = opts.inFlight ?? 2;
  const maxBatch = opts.maxBatch ?? 500;
  const queue: Waiting<T>[] = [];
  let inFlight = 0;

  const flush = () => {
    while (inFlight < inFlightLimit && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight += 1;
      void write(batch).finally(() => {
        inFlight -= 1;
        flush();
      });
    }
  };

  const write = async (batch: Waiting<T>[]) => {
    try {
      await collection.insertMany(
        batch.map((w) => w.doc),
        { ordered: false },
      );
      for (const w of batch) w.resolve();
    } catch (err) {
      const writeErrors =
        err instanceof MongoBulkWriteError
          ? Array.isArray(err.writeErrors)
            ? err.writeErrors
            : [err.writeErrors]
          : [];
      // Per-document outcomes only when every document is accounted for: a lost connection is a MongoBulkWriteError
      // too, with no write errors and nothing inserted.
      const accounted =
        err instanceof MongoBulkWriteError &&
        !err.result.getWriteConcernError() &&
        writeErrors.length > 0 &&
        err.result.insertedCount + writeErrors.length === batch.length;
      if (!accounted) {
        for (const w of batch) w.reject(err);
        return;
      }
      // Unordered: every document without its own write error was written.
      const refused = new Map<number, unknown>();
      for (const e of writeErrors) refused.set(e.index, e);
      batch.forEach((w, i) => {
        const own = refused.get(i);
        if (own === undefined) w.resolve();
        else w.reject(own);
      });
    }
  };

  return {
    insert(doc) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ doc, resolve, reject });
        flush();
      });
    },
  };
}
