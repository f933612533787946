import { BUCKETS, ERROR_CODES } from "@ai-jobs/contracts";
import { PermanentError, TransientError } from "@ai-jobs/runtime";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type ObjectStore, Objm } from "@nats-io/obj";

/** Uploaded files, in the MATERIALS object store the gateway writes to. */
export interface MaterialsStore {
  /** The whole file; fails for good if it is missing or larger than `maxBytes`. */
  read(fileId: string, opts: { maxBytes: number; signal: AbortSignal }): Promise<Uint8Array>;
}

export function createMaterialsStore(js: JetStreamClient): MaterialsStore {
  let opened: Promise<ObjectStore> | undefined;
  const bucket = () => {
    opened ??= new Objm(js).open(BUCKETS.materials).catch((err: unknown) => {
      opened = undefined;
      throw err;
    });
    return opened;
  };

  return {
    async read(fileId, { maxBytes, signal }) {
      const result = await (await bucket()).get(fileId);
      if (!result)
        throw new PermanentError(ERROR_CODES.notFoundInStore, `file ${fileId} is not in the materials store`);
      if (result.info.size > maxBytes) {
        await result.data.cancel().catch(() => undefined);
        throw new PermanentError(ERROR_CODES.payloadTooLarge, `file ${fileId} is larger than ${maxBytes} bytes`);
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      const reader = result.data.getReader();
      try {
        for (;;) {
          signal.throwIfAborted();
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
          size += value.length;
          if (size > maxBytes) {
            throw new PermanentError(ERROR_CODES.payloadTooLarge, `file ${fileId} is larger than ${maxBytes} bytes`);
          }
        }
      } catch (err) {
        await reader.cancel().catch(() => undefined);
        throw err;
      }
      const error = await result.error;
      if (error) {
        throw new TransientError(
          ERROR_CODES.upstreamUnavailable,
          `reading file ${fileId} failed: ${error.message}`,
          undefined,
          {
            cause: error,
          },
        );
      }
      return Buffer.concat(parts);
    },
  };
}
