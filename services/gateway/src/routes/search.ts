import { SearchQuery, SearchResponse } from "@ai-jobs/contracts";
import { type ChunkStore, type Embedder, searchChunks } from "@ai-jobs/retrieval";
import { notFound, PermanentError, serviceUnavailable, TransientError } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { PlanRepository } from "../data/plans.js";
import { callerOf } from "../plugins/auth.js";

export interface SearchRoutesOptions {
  plans: PlanRepository;
  store: ChunkStore;
  /** The same embedder as the ingestor's (same EMBEDDING_* settings), or no chunk matches. */
  embedder: Embedder;
  timeoutMs?: number;
}

/** `GET /study-plans/{id}/search/?q=…&k=…`: the plan's top-k chunks for a query, with their cosine scores. */
export const searchRoutes: FastifyPluginAsyncZod<SearchRoutesOptions> = async (app, opts) => {
  const schema = { params: z.object({ id: z.string() }), querystring: SearchQuery, response: { 200: SearchResponse } };
  app.get("/study-plans/:id/search", { schema }, async (request) => {
    const { q, k } = request.query;
    const { tenantId } = callerOf(request).principal;
    const plan = await opts.plans.findById(tenantId, request.params.id);
    if (!plan) throw notFound("study plan");
    let hits: Awaited<ReturnType<typeof searchChunks>>;
    try {
      hits = await searchChunks({
        store: opts.store,
        embedder: opts.embedder,
        tenantId,
        planId: plan._id,
        query: q,
        k,
        signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
      });
    } catch (err) {
      // The embeddings API (for the query) failing is the upstream's problem, not the client's.
      if (err instanceof TransientError || err instanceof PermanentError) {
        throw serviceUnavailable("the embeddings service is unavailable; try again later", 5, err);
      }
      throw err;
    }
    return {
      plan_id: plan._id,
      query: q,
      hits: hits.map((h) => ({
        chunk_id: h.chunkId,
        document_id: h.documentId,
        score: h.score,
        text: h.text,
        heading: h.heading,
        page: h.page,
      })),
    };
  });
};
