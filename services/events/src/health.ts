import { probeAnswer, type ReadinessChecks, runReadiness } from "@ai-jobs/runtime";
import type { FastifyInstance } from "fastify";

export interface HealthDeps {
  /** NATS and MongoDB round trips (`natsCheck`, `mongoCheck`). */
  readiness: ReadinessChecks;
  /** True once shutdown has begun: readiness fails first so load balancers stop routing here. */
  draining: () => boolean;
}

/**
 * The public port's probes. `/healthz`: the process is alive. `/readyz`: its dependencies answer and it is not
 * draining. Either says ok or not and nothing more; the reasons are on the internal listener's `/health`.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const report = await runReadiness(deps.readiness);
    const answer = probeAnswer(report.ready && !deps.draining());
    return reply.code(answer.code).send(answer.body);
  });
}
