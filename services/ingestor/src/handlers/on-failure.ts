import type { FailureHook } from "@ai-jobs/runtime";
import type { ChunkRepository } from "../data/chunks.js";
import type { DocumentRepository } from "../data/documents.js";

/**
 * When a material.ingest job fails for good, the document and its plan show it (`ingestStatus: failed`, and the
 * document's `lastError`), and chunks an attempt wrote under a generation that never became active are deleted:
 * nothing half-stored stays. A document that had an active set keeps it, so search still finds the old chunks.
 * Reads the raw payload, since the failure may be that the payload was invalid.
 */
export function markIngestFailed(
  documents: DocumentRepository,
  chunks: ChunkRepository,
): FailureHook<"material.ingest"> {
  return async (command, error, log) => {
    const { documentId, planId } = command.payload;
    if (typeof documentId === "string" && documentId.length > 0) {
      await documents.markFailed(command.tenantId, documentId, error.message);
      const document =
        typeof planId === "string" ? await documents.findDocument(command.tenantId, planId, documentId) : null;
      // Only for the document the job was about; with no active generation, "" matches none and all chunks go.
      if (document) await chunks.deleteOtherGenerations(command.tenantId, documentId, document.activeGeneration ?? "");
    } else {
      log.warn("failed material.ingest job names no document; nothing to mark");
    }
    if (typeof planId === "string" && planId.length > 0) {
      await documents.setPlanIngestStatus(command.tenantId, planId, "failed");
    }
  };
}
