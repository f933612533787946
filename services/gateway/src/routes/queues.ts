import { QUEUE_HISTORY_WINDOW_MS, QueueHistoryView, QueueStatsListView } from "@ai-jobs/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { QueueSampleStore } from "../data/queue-samples.js";
import { cached, countDeadLetters, type QueueStatsDeps, readQueueOverview } from "../data/queue-stats.js";
import { slotOf } from "../domain/queue-sampler.js";

export interface QueueRoutesOptions {
  stats: QueueStatsDeps;
  /** How long one reading of consumer info, heartbeats and throughput is served (and dead letters per tenant). */
  cacheMs: number;
  /** The last hour's samples, and how often they are taken. */
  samples: QueueSampleStore;
  sampleIntervalMs: number;
}

/**
 * `GET /queues/`: per queue and priority, backlog, in flight, redeliveries, age of the oldest waiting job and
 * throughput (platform-wide: the consumers are shared by all tenants), live workers per queue, and the caller's own
 * tenant's dead letters per queue. Figures are read at most once per `cacheMs`, whatever the request rate. Admins
 * only: the platform-wide figures tell of every tenant's activity. `GET /queues/history/`: the same figures sampled
 * over the last hour (backlog, in flight, throughput, live workers), oldest first.
 */
export const queueRoutes: FastifyPluginAsyncZod<QueueRoutesOptions> = async (app, opts) => {
  const overview = cached(opts.cacheMs, () => readQueueOverview(opts.stats));
  const deadLetters = cached(opts.cacheMs, (tenantId) => countDeadLetters(opts.stats.collections, tenantId));

  // The figures are platform-wide (every tenant's backlog and throughput): an operator view.
  const schema = { response: { 200: QueueStatsListView } };
  app.get("/queues", { config: { access: "operate" }, schema }, async (request) => {
    const [view, dead] = await Promise.all([overview("all"), deadLetters(request.principal.tenantId)]);
    return { ...view, queues: view.queues.map((q) => ({ ...q, dead_letters: dead[q.queue] })) };
  });

  const history = { response: { 200: QueueHistoryView } };
  app.get("/queues/history", { config: { access: "operate" }, schema: history }, async () => {
    const from = slotOf(Date.now() - QUEUE_HISTORY_WINDOW_MS, opts.sampleIntervalMs);
    const samples = await opts.samples.since(from);
    return {
      interval_ms: opts.sampleIntervalMs,
      window_ms: QUEUE_HISTORY_WINDOW_MS,
      samples: samples.map((s) => ({ at: s.at.toISOString(), queues: s.queues })),
    };
  });
};
