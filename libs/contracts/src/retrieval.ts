import { z } from "zod";

/** The kinds of study material the platform ingests, each sniffed from the file's bytes, never from its name alone. */
export const DOCUMENT_KINDS = ["pdf", "docx", "html", "markdown", "text"] as const;
export const DocumentKind = z.enum(DOCUMENT_KINDS);
export type DocumentKind = z.infer<typeof DocumentKind>;

/** The content type stored for each kind (the client's declared type is ignored). */
export const MEDIA_TYPE_OF_KIND: Readonly<Record<DocumentKind, string>> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  html: "text/html",
  markdown: "text/markdown",
  text: "text/plain",
};

export const ChunkMetadata = z.object({
  /** The nearest heading above the chunk (Markdown `#`, HTML/DOCX `<h1>`…`<h6>`), or null. */
  heading: z.string().nullable(),
  /** UTF-16 offsets of the chunk in the document's extracted text. */
  start: z.number().int(),
  end: z.number().int(),
  /** 1-based page the chunk starts on (PDF only), else null. */
  page: z.number().int().min(1).nullable().optional(),
  /** Tokens in the chunk (cl100k_base). */
  tokens: z.number().int().min(0).optional(),
});
export type ChunkMetadata = z.infer<typeof ChunkMetadata>;

/** A document's summary: from the LLM, or extractive (top sentences) when there is no key or the LLM failed. */
export const DocumentSummary = z.object({
  text: z.string().min(1),
  kind: z.enum(["llm", "extractive"]),
  /** The chat model that wrote an `llm` summary, else null. */
  model: z.string().nullable(),
});
export type DocumentSummary = z.infer<typeof DocumentSummary>;

/** `GET /api/ai/study-plans/{id}/search/?q=…&k=…`. */
export const SearchQuery = z
  .object({
    q: z.string().trim().min(1, "must not be empty").max(2_000),
    k: z.coerce.number().int().min(1).max(50).default(5),
  })
  .strict();
export type SearchQuery = z.infer<typeof SearchQuery>;

export const SearchHitView = z.object({
  chunk_id: z.string(),
  document_id: z.string(),
  score: z.number(),
  text: z.string(),
  heading: z.string().nullable(),
  page: z.number().int().nullable(),
});
export type SearchHitView = z.infer<typeof SearchHitView>;

export const SearchResponse = z.object({ plan_id: z.string(), query: z.string(), hits: z.array(SearchHitView) });
export type SearchResponse = z.infer<typeof SearchResponse>;
