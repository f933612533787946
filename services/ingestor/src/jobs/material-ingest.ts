import { createHash } from "node:crypto";
import { type ChunkRecord, ERROR_CODES, type ResultOf } from "@ai-jobs/contracts";
import { meteredAttempt, type UsageMeter } from "@ai-jobs/llm";
import { batchCount, SNIFF_BYTES, sniffDocumentKind } from "@ai-jobs/retrieval";
import { defineJob, type FailureHook, type JobContext, type JobHandler, PermanentError } from "@ai-jobs/runtime";
import { chunkTextInSlices, type TextChunk } from "../chunking/chunk-text.js";
import type { ChunkRepository } from "../data/chunks.js";
import type { DocumentRepository } from "../data/documents.js";
import type { IngestorDeps } from "../deps.js";
import { extractDocument } from "../extract/extract-document.js";
import { type ExtractedText, pageAt } from "../extract/extracted.js";

/** material.ingest makes an uploaded document searchable; when it fails for good, its document and plan show it. */
export const materialIngest = (deps: IngestorDeps) =>
  defineJob({
    type: "material.ingest",
    handler: ingestDocument(deps),
    onFailure: markIngestFailed(deps.documents, deps.chunks),
  });

/**
 * Longest stretch of synchronous chunking before the event loop gets a turn: well under the worker's heartbeat
 * interval (a second at most), so a large document never stops the `working()` heartbeats of this or other jobs.
 */
const TEXT_SLICE_MS = 50;

/** Chunk id: unique per generation, so a new set is written beside the active one, never over it. */
export const chunkId = (documentId: string, generation: string, index: number) =>
  `${documentId}-g${generation}-c${index}`;

const sha256 = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\u0000");
  return hash.digest("hex");
};

/**
 * The story of one document:
 *
 * 1. **extract**: read the file from the object store, sniff its kind from its bytes (pdf, docx, html, Markdown,
 *    text), extract the text (PDF page by page). Unreadable, scanned (no text layer), zip-bomb or empty files
 *    fail for good.
 *    If the file (and the embedder and chunk settings) hash to what the document's active set was built from, the
 *    job ends here: nothing is redone.
 * 2. **chunk**: token-aware chunks with overlap, respecting headings and paragraphs, with page/heading/offsets.
 * 3. **embed**: batch by batch (`embedding batch i of n`). A chunk whose text already has a vector from the same
 *    embedder anywhere in the plan reuses it: the same content is never embedded twice. Each batch is written at
 *    once under a new generation id, which no reader looks at yet.
 * 4. **summarise**: an LLM summary, or the extractive one (no key, the tenant over its daily token budget, or the
 *    LLM failed for good): never empty.
 * 5. **store**: one single-document update points the document at the new generation (with its hash, count and
 *    summary) and marks it succeeded; only then are the other generations' chunks deleted. A reader (search, RAG)
 *    follows the pointer, so it sees the whole old set or the whole new one, never a mix.
 *
 * The summary's model tokens are recorded per attempt like the planner's (`meteredAttempt`: `llm_usage`, the token
 * metric, the tenant's daily budget). The budget is not checked before the job: ingesting is not an LLM product, so
 * a tenant over it still gets its document, with the extractive summary.
 */
function ingestDocument(deps: IngestorDeps): JobHandler<"material.ingest"> {
  return (ctx) => meteredAttempt(deps, ctx, (usage) => ingest(deps, ctx, usage));
}

async function ingest(
  deps: IngestorDeps,
  { command, payload, signal, progress, log, attempt }: JobContext<"material.ingest">,
  usage: UsageMeter,
): Promise<ResultOf<"material.ingest">> {
  const { documents, chunks, materials, embedder } = deps;
  const { tenantId } = command;
  const { planId, documentId, fileId, filename } = payload;
  const document = await documents.findDocument(tenantId, planId, documentId);
  if (!document) throw new PermanentError(ERROR_CODES.notFound, `document ${documentId} not found in plan ${planId}`);
  await documents.markRunning(tenantId, documentId, command.jobId);
  await documents.setPlanIngestStatus(tenantId, planId, "running");

  await progress({ pct: 5, step: "extracting", message: "extracting text" });
  const bytes = await materials.read(fileId, { maxBytes: deps.maxFileBytes, signal });
  const settings = `${embedder.name}:${deps.chunking.size}:${deps.chunking.overlap}`;
  const contentHash = sha256(bytes, settings);
  if (document.activeGeneration && document.contentHash === contentHash) {
    await documents.markUnchanged(tenantId, documentId);
    await documents.setPlanIngestStatus(tenantId, planId, "succeeded");
    log.info({ documentId }, "file unchanged since its last ingest; nothing to do");
    return { document_id: documentId, chunk_count: document.chunkCount, embedded_count: 0, unchanged: true };
  }
  if (bytes.length === 0) throw new PermanentError(ERROR_CODES.unsupportedMediaType, `${filename} is empty`);
  const kind = await sniffDocumentKind(bytes.subarray(0, SNIFF_BYTES), filename);
  if (!kind) {
    throw new PermanentError(
      ERROR_CODES.unsupportedMediaType,
      `${filename} is not a PDF, DOCX, HTML, Markdown or text file (judged by its content)`,
    );
  }
  const extracted = await extractDocument(kind, bytes, filename, {
    signal,
    maxDecompressedBytes: deps.maxDecompressedBytes,
  });

  signal.throwIfAborted();
  await progress({ pct: 20, step: "chunking", message: `chunking ${extracted.text.length} characters` });
  const pieces = await chunkTextInSlices(
    extracted.text,
    { ...deps.chunking, count: deps.countTokens },
    { sliceMs: TEXT_SLICE_MS, signal },
  );

  const generation = deps.ids();
  const embedded = await embedAndWrite(
    deps,
    { tenantId, planId, documentId, generation, pieces, extracted },
    { progress, signal },
  );

  signal.throwIfAborted();
  await progress({ pct: 85, step: "summarizing", message: "summarizing" });
  const summary = await deps.summarizer.summarize(extracted.text, { filename, signal, tenantId, attempt, usage });

  signal.throwIfAborted();
  await progress({ pct: 92, step: "storing", message: `activating ${pieces.length} chunks` });
  await documents.activate(tenantId, documentId, {
    generation,
    contentHash,
    chunkCount: pieces.length,
    summary,
  });
  const removed = await chunks.deleteOtherGenerations(tenantId, documentId, generation);
  await documents.setPlanIngestStatus(tenantId, planId, "succeeded");
  log.info(
    { kind, chunks: pieces.length, embedded, removed, pages: extracted.pageCount, embedder: embedder.name },
    "material ingested",
  );
  return {
    document_id: documentId,
    chunk_count: pieces.length,
    embedded_count: embedded,
    unchanged: false,
    summary_kind: summary.kind,
  };
}

interface NewGeneration {
  tenantId: string;
  planId: string;
  documentId: string;
  generation: string;
  pieces: TextChunk[];
  extracted: ExtractedText;
}

/** Embeds (or reuses) and writes the chunks batch by batch; returns how many texts were sent to the embedder. */
async function embedAndWrite(
  deps: IngestorDeps,
  gen: NewGeneration,
  job: Pick<Parameters<JobHandler<"material.ingest">>[0], "progress" | "signal">,
): Promise<number> {
  const { progress } = job;
  const { embedder, chunks } = deps;
  const { tenantId, planId, documentId, generation, pieces } = gen;
  const hashes = pieces.map((p) => sha256(p.text));
  const known = await chunks.knownHashes(tenantId, planId, embedder.name, [...new Set(hashes)]);
  const total = batchCount(pieces.length, embedder.batchSize);
  let embeddedCount = 0;
  for (let b = 0; b < total; b++) {
    job.signal.throwIfAborted();
    const from = b * embedder.batchSize;
    const batch = pieces.slice(from, from + embedder.batchSize);
    const batchHashes = hashes.slice(from, from + embedder.batchSize);
    await progress({
      pct: 25 + Math.floor((55 * b) / Math.max(1, total)),
      step: "embedding",
      message: `embedding batch ${b + 1} of ${total}`,
    });
    const vectors = await chunks.vectorsOf(
      tenantId,
      planId,
      embedder.name,
      [...new Set(batchHashes)].filter((h) => known.has(h)),
    );
    // Texts not seen before, each once (a text repeated within the batch is embedded once too).
    const missing = [...new Map(batch.map((p, i) => [batchHashes[i] as string, p.text])).entries()].filter(
      ([hash]) => !vectors.has(hash),
    );
    if (missing.length > 0) {
      const fresh = await embedder.embed(
        missing.map(([, text]) => text),
        { signal: job.signal },
      );
      missing.forEach(([hash], i) => {
        vectors.set(hash, fresh[i] as number[]);
      });
      embeddedCount += missing.length;
    }
    const records = batch.map(
      (piece, i): ChunkRecord => ({
        _id: chunkId(documentId, generation, from + i),
        tenantId,
        planId,
        documentId,
        index: from + i,
        text: piece.text,
        embedding: vectors.get(batchHashes[i] as string) ?? [],
        metadata: {
          heading: piece.heading,
          start: piece.start,
          end: piece.end,
          page: pageAt(gen.extracted, piece.start),
          tokens: piece.tokens,
        },
        generation,
        contentHash: batchHashes[i] as string,
        embedder: embedder.name,
      }),
    );
    await chunks.insert(records);
  }
  return embeddedCount;
}

/**
 * The failure hook: when a job fails for good, the document and its plan show it (`ingestStatus: failed`, and the
 * document's `lastError`), and chunks an attempt wrote under a generation that never became active are deleted:
 * nothing half-stored stays. A document that had an active set keeps it, so search still finds the old chunks.
 * Reads the raw payload, since the failure may be that the payload was invalid.
 */
function markIngestFailed(documents: DocumentRepository, chunks: ChunkRepository): FailureHook<"material.ingest"> {
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
