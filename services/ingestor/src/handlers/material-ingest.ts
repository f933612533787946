import { type ChunkRecord, ERROR_CODES } from "@ai-jobs/contracts";
import { type JobHandler, PermanentError } from "@ai-jobs/runtime";
import { chunkText } from "../chunking/chunk-text.js";
import { assertSupportedText, decodeText } from "../extract/plain-text.js";
import type { IngestorDeps } from "./deps.js";

/** Deterministic chunk id: a repeated ingest overwrites the same chunks instead of adding new ones. */
export const chunkId = (documentId: string, index: number) => `${documentId}-c${index}`;

/**
 * material.ingest: reads an uploaded file from the object store, chunks and embeds its text, and stores the chunks.
 * A redelivered or repeated job replaces the document's chunks and removes any left beyond the new count.
 */
export function materialIngest(deps: IngestorDeps): JobHandler<"material.ingest"> {
  const { documents, chunks, materials, embedder } = deps;
  return async ({ command, payload, signal, progress, log }) => {
    const { tenantId } = command;
    const { planId, documentId, fileId, filename, contentType } = payload;
    const document = await documents.findDocument(tenantId, planId, documentId);
    if (!document) throw new PermanentError(ERROR_CODES.notFound, `document ${documentId} not found in plan ${planId}`);
    await documents.markRunning(tenantId, documentId, command.jobId);
    await documents.setPlanIngestStatus(tenantId, planId, "running");

    await progress({ pct: 5, step: "extracting", message: "extracting" });
    assertSupportedText(contentType, filename);
    const text = decodeText(await materials.read(fileId, { maxBytes: deps.maxFileBytes, signal }), filename);

    signal.throwIfAborted();
    await progress({ pct: 25, step: "chunking", message: "chunking" });
    const pieces = chunkText(text, deps.chunking);

    signal.throwIfAborted();
    await progress({ pct: 40, step: "embedding", message: "embedding" });
    const vectors = await embedder.embed(
      pieces.map((p) => p.text),
      signal,
    );
    if (vectors.length !== pieces.length) {
      throw new Error(`embedder ${embedder.name} returned ${vectors.length} vectors for ${pieces.length} chunks`);
    }

    signal.throwIfAborted();
    await progress({ pct: 80, step: "storing", message: "storing" });
    const records = pieces.map(
      (piece, index): ChunkRecord => ({
        _id: chunkId(documentId, index),
        tenantId,
        planId,
        documentId,
        index,
        text: piece.text,
        embedding: vectors[index] ?? [],
        metadata: { heading: piece.heading, start: piece.start, end: piece.end },
      }),
    );
    await chunks.save(records);
    await chunks.deleteFrom(tenantId, documentId, records.length);
    await documents.markSucceeded(tenantId, documentId, records.length);
    await documents.setPlanIngestStatus(tenantId, planId, "succeeded");
    log.info({ chunks: records.length, chars: text.length, embedder: embedder.name }, "material ingested");
    return { document_id: documentId, chunk_count: records.length };
  };
}
