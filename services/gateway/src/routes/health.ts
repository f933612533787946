import { HealthView } from "@ai-jobs/contracts";
import { forbidden, type ReadinessChecks, registerProbeRoutes } from "@ai-jobs/runtime";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
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

/**
 * `/healthz` and `/readyz`: probes, no token, and they say ok or not, nothing more. `/api/ai/health/` (dependency
 * errors and queue depths) is for admins; the internal listener serves the same report on `/health` without a token.
 */
export const healthRoutes: FastifyPluginAsyncZod<HealthRoutesOptions> = async (app, opts) => {
  registerProbeRoutes(app, { checks: opts.checks, draining: () => opts.lifecycle.draining, routeOptions: quiet });

  const schema = { response: { 200: HealthView, 503: HealthView } };
  app.get("/api/ai/health", { logLevel: "warn", schema }, async (request, reply) => {
    if (request.principal.role !== "admin") throw forbidden("the health report needs the admin role");
    const view = await opts.health.report();
    return reply.code(view.status === "ok" ? 200 : 503).send(view);
  });
};
