import { BUCKETS } from "@ai-jobs/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type ObjectStore, Objm } from "@nats-io/obj";

/** Plan exports in the `EXPORTS` object store, keyed by export id (the export job's id). */
export interface ExportStore {
  /**
   * Stores (or replaces, on a redelivered job) one file; resolves with its size in bytes, and the size of the file
   * it replaced (0 for a new one), so that the tenant's byte quota is charged the difference.
   */
  put(
    exportId: string,
    content: Uint8Array,
    metadata: Record<string, string>,
  ): Promise<{ size: number; replacedSize: number }>;
}

export function createExportStore(js: JetStreamClient): ExportStore {
  let bucket: Promise<ObjectStore> | undefined;
  const open = (): Promise<ObjectStore> => {
    bucket ??= new Objm(js).open(BUCKETS.exports).catch((err: unknown) => {
      bucket = undefined; // open again on the next call (NATS may come back)
      throw err;
    });
    return bucket;
  };
  return {
    async put(exportId, content, metadata) {
      const store = await open();
      const previous = await store.info(exportId);
      const info = await store.putBlob({ name: exportId, metadata }, content);
      return { size: info.size, replacedSize: previous && !previous.deleted ? previous.size : 0 };
    },
  };
}
