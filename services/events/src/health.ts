import { type ReadinessChecks, runReadiness } from "@ai-jobs/runtime";
import type { FastifyInstance } from "fastify";

export interface HealthDeps {
  /** NATS and MongoDB round trips (`natsCheck`, `mongoCheck`). */
  readiness: ReadinessChecks;
  /** True once shutdown has begun: readiness fails first so load balancers stop routing here. */
  draining: () => boolean;
}

/** `/healthz`: the process is alive. `/readyz`: its dependencies answer and it is not draining. */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const report = await runReadiness(deps.readiness);
    const draining = deps.draining();
    const ready = report.ready && !draining;
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", draining, ...report });
  });
}
