import { type ReadinessChecks, runReadiness } from "@ai-jobs/runtime";
import type { FastifyPluginAsync } from "fastify";
import type { HealthReporter } from "../domain/health.js";

export interface Lifecycle {
  /** True once shutdown began: readiness fails so load balancers stop sending traffic. */
  draining: boolean;
}

export interface HealthRoutesOptions {
  health: HealthReporter;
  checks: ReadinessChecks;
  lifecycle: Lifecycle;
}

const quiet = { config: { public: true }, logLevel: "warn" } as const;

/** `/healthz`, `/readyz` (probes) and `/api/ai/health/` (dependencies and queues). None needs a token. */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, opts) => {
  app.get("/healthz", quiet, async () => ({ status: "ok" }));

  app.get("/readyz", quiet, async (_request, reply) => {
    const report = await runReadiness(opts.checks);
    const ready = report.ready && !opts.lifecycle.draining;
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? "ready" : "not_ready", draining: opts.lifecycle.draining, checks: report.checks });
  });

  app.get("/api/ai/health", quiet, async (_request, reply) => {
    const view = await opts.health.report();
    return reply.code(view.status === "ok" ? 200 : 503).send(view);
  });
};
