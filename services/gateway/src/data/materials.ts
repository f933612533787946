import { Readable } from "node:stream";
import { BUCKETS } from "@ai-jobs/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type ObjectStore, Objm } from "@nats-io/obj";

export interface StoredFile {
  fileId: string;
  size: number;
}

/** Uploaded files in the `MATERIALS` object store, keyed by file id. The ingestor reads them from there. */
export interface MaterialStore {
  /**
   * Streams `content` into the bucket chunk by chunk, never holding the whole file. When `content` fails, the
   * store drops the chunks it already wrote and the promise rejects with that error.
   */
  put(fileId: string, content: Readable, metadata: Record<string, string>): Promise<StoredFile>;
  remove(fileId: string): Promise<void>;
}

export function createMaterialStore(js: JetStreamClient): MaterialStore {
  let bucket: Promise<ObjectStore> | undefined;
  const open = (): Promise<ObjectStore> => {
    bucket ??= new Objm(js).open(BUCKETS.materials).catch((err: unknown) => {
      bucket = undefined; // retry the open on the next call (NATS may come back)
      throw err;
    });
    return bucket;
  };
  return {
    async put(fileId, content, metadata) {
      const store = await open();
      const info = await store.put({ name: fileId, metadata }, Readable.toWeb(content) as ReadableStream<Uint8Array>);
      return { fileId, size: info.size };
    },
    async remove(fileId) {
      const store = await open();
      await store.delete(fileId);
    },
  };
}
