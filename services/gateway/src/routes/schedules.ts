import { ScheduleListView } from "@ai-jobs/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ScheduleStateRepository } from "../data/schedule-states.js";

export interface ScheduleRoutesOptions {
  states: ScheduleStateRepository;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * `GET /schedules/`: the cron schedules the events replicas run, with their next fire time. The events scheduler
 * owns the config (`SCHEDULES`) and writes each schedule's entry to the `schedules` collection at boot and after
 * every fire, so the gateway needs neither the config nor a cron library, and lists what actually runs. An admin
 * sees every schedule; anyone else only the job schedules of their own tenant.
 */
export const scheduleRoutes: FastifyPluginAsyncZod<ScheduleRoutesOptions> = async (app, opts) => {
  app.get("/schedules", { schema: { response: { 200: ScheduleListView } } }, async (request) => {
    // The operator sees every schedule; a tenant only those that submit its own jobs.
    const { role, tenantId } = request.principal;
    const found = await opts.states.list(role === "admin" ? undefined : tenantId);
    return {
      items: found.map((s) => ({
        name: s._id,
        kind: s.kind,
        cron: s.cron,
        timezone: s.timezone,
        type: s.type,
        priority: s.priority,
        next_fire_at: iso(s.nextFireAt),
        last_fire_at: iso(s.lastFireAt),
        updated_at: s.updatedAt.toISOString(),
      })),
    };
  });
};
