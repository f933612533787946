import { JobUsageView, TenantUsageQuery, TenantUsageView, type UsageTotalsView } from "@ai-jobs/contracts";
import { notFound } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { JobRepository } from "../data/jobs.js";
import type { UsageRepository, UsageSums } from "../data/usage.js";

export interface UsageRoutesOptions {
  jobs: JobRepository;
  usage: UsageRepository;
}

const totalsView = (s: UsageSums): UsageTotalsView => ({
  calls: s.calls,
  prompt_tokens: s.promptTokens,
  completion_tokens: s.completionTokens,
  total_tokens: s.promptTokens + s.completionTokens,
  latency_ms: s.latencyMs,
});

/**
 * LLM usage: `GET /jobs/{job_id}/usage/` (each attempt's model, tokens and latency, and their sum) and
 * `GET /usage/?since=&until=` (the caller's tenant, by model and by job type).
 */
export const usageRoutes: FastifyPluginAsyncZod<UsageRoutesOptions> = async (app, opts) => {
  const ofJob = { params: z.object({ job_id: z.string() }), response: { 200: JobUsageView } };
  app.get("/jobs/:job_id/usage", { schema: ofJob }, async (request) => {
    const { tenantId } = request.principal;
    const job = await opts.jobs.findById(tenantId, request.params.job_id);
    if (!job) throw notFound("job");
    const attempts = await opts.usage.ofJob(tenantId, job._id);
    const sum = attempts.reduce<UsageSums>(
      (t, a) => ({
        calls: t.calls + a.calls,
        promptTokens: t.promptTokens + a.promptTokens,
        completionTokens: t.completionTokens + a.completionTokens,
        latencyMs: t.latencyMs + a.latencyMs,
      }),
      { calls: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0 },
    );
    return {
      job_id: job._id,
      totals: totalsView(sum),
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        system: a.system,
        model: a.model,
        calls: a.calls,
        prompt_tokens: a.promptTokens,
        completion_tokens: a.completionTokens,
        latency_ms: a.latencyMs,
        at: a.at.toISOString(),
      })),
    };
  });

  app.get(
    "/usage",
    { schema: { querystring: TenantUsageQuery, response: { 200: TenantUsageView } } },
    async (request) => {
      const { query } = request;
      const found = await opts.usage.ofTenant(request.principal.tenantId, {
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      });
      return {
        since: query.since ?? null,
        until: query.until ?? null,
        totals: totalsView(found.totals),
        by_model: found.byModel.map((m) => ({ system: m.system, model: m.model, ...totalsView(m) })),
        by_type: found.byType.map((t) => ({ type: t.type, ...totalsView(t) })),
        by_day: found.byDay.map((d) => ({ day: d.day, system: d.system, model: d.model, ...totalsView(d) })),
      };
    },
  );
};
