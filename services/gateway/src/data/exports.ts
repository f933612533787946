import { Readable } from "node:stream";
import { BUCKETS } from "@ai-jobs/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type ObjectStore, Objm } from "@nats-io/obj";

export interface ExportFile {
  size: number;
  metadata: Record<string, string>;
  content: Readable;
}

/** Plan exports written by the planner into the `EXPORTS` object store, keyed by export (job) id. */
export interface ExportFiles {
  /** Null when there is no such file (not written yet, or never). */
  open(exportId: string): Promise<ExportFile | null>;
}

export function createExportFiles(js: JetStreamClient): ExportFiles {
  let bucket: Promise<ObjectStore> | undefined;
  const store = (): Promise<ObjectStore> => {
    bucket ??= new Objm(js).open(BUCKETS.exports).catch((err: unknown) => {
      bucket = undefined; // open again on the next call (NATS may come back)
      throw err;
    });
    return bucket;
  };
  return {
    async open(exportId) {
      const result = await (await store()).get(exportId);
      if (!result) return null;
      return {
        size: result.info.size,
        metadata: result.info.metadata ?? {},
        // Streamed chunk by chunk from JetStream: the file is never held whole in the gateway.
        content: Readable.fromWeb(result.data as Parameters<typeof Readable.fromWeb>[0]),
      };
    },
  };
}
