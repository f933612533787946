import type { FastifyInstance, RouteShorthandOptions } from "fastify";
import { type ReadinessChecks, readyzAnswer } from "./health.js";

export interface ProbeRoutesOptions {
  /** NATS and MongoDB round trips (`natsCheck`, `mongoCheck`). */
  checks: ReadinessChecks;
  /** True once shutdown has begun: readiness fails first so load balancers stop routing here. */
  draining: () => boolean;
  /** Per-route options (the gateway marks the probes public and quiet). */
  routeOptions?: RouteShorthandOptions;
}

/**
 * A public port's probes. `/healthz`: the process is alive. `/readyz`: its dependencies answer and it is not
 * draining. Either says ok or not and nothing more; the reasons are on the internal listener's `/health`.
 */
export function registerProbeRoutes(app: FastifyInstance, opts: ProbeRoutesOptions): void {
  const routeOptions = opts.routeOptions ?? {};
  app.get("/healthz", routeOptions, async () => ({ status: "ok" }));
  app.get("/readyz", routeOptions, async (_request, reply) => {
    const answer = await readyzAnswer(opts.checks, opts.draining());
    return reply.code(answer.code).send(answer.body);
  });
}
