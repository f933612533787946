import { MeView } from "@ai-jobs/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";

export interface MeRoutesOptions {
  /** JAEGER_UI_URL: where a job's trace opens; null when unset. */
  traceUiUrl: string | null;
}

/**
 * `GET /me/`: who the credential is (tenant, user, role), for a client that shows or hides what the role may do (the
 * dashboard), and the settings such a client links with. Any role; answers nothing the caller did not send but its
 * own credential's claims.
 */
export const meRoutes: FastifyPluginAsyncZod<MeRoutesOptions> = async (app, opts) => {
  app.get("/me", { schema: { response: { 200: MeView } } }, async (request) => {
    const { tenantId, userId, role } = request.principal;
    return { tenant_id: tenantId, user_id: userId, role, trace_ui_url: opts.traceUiUrl };
  });
};
