import { z } from "zod";
import { jobType } from "./job-type.js";

export const MaterialIngestPayload = z.object({
  planId: z.string().min(1),
  documentId: z.string().min(1),
  fileId: z.string().min(1),
  filename: z.string().min(1),
  contentType: z.string().min(1),
});
export const MaterialIngestResult = z.object({
  document_id: z.string(),
  chunk_count: z.number().int(),
  /** Chunks sent to the embedder; the others reused the vector of the same text already in the plan. */
  embedded_count: z.number().int().optional(),
  /** True when the file was the one already ingested for this document: nothing was redone. */
  unchanged: z.boolean().optional(),
  summary_kind: z.enum(["llm", "extractive"]).optional(),
});

/** An uploaded document made searchable: extracted, chunked, embedded and summarised. */
export const MATERIAL_INGEST = jobType({
  type: "material.ingest",
  queue: "ingest",
  payload: MaterialIngestPayload,
  result: MaterialIngestResult,
  timeoutMs: 300_000,
  maxAttempts: 5,
  backoff: { baseMs: 1_000, maxMs: 120_000 },
  spendsTokens: false,
});
