import type { FailureHook } from "@ai-jobs/runtime";
import type { DocumentsRepo } from "../data/documents-repo.js";

/**
 * When a material.ingest job fails for good, the document and its plan show it (`ingestStatus: failed`, and the
 * document's `lastError`). Reads the raw payload, since the failure may be that the payload was invalid.
 */
export function onIngestorFailure(documents: DocumentsRepo): FailureHook {
  return async (command, error, log) => {
    if (command.type !== "material.ingest") return;
    const { documentId, planId } = command.payload;
    if (typeof documentId === "string" && documentId.length > 0) {
      await documents.markFailed(command.tenantId, documentId, error.message);
    } else {
      log.warn("failed material.ingest job names no document; nothing to mark");
    }
    if (typeof planId === "string" && planId.length > 0) {
      await documents.setPlanIngestStatus(command.tenantId, planId, "failed");
    }
  };
}
