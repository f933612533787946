import { type ScheduleConfig, SchedulesConfig } from "@ai-jobs/contracts";
import { Cron } from "croner";
import { z } from "zod";

/** A schedule whose cron expression and time zone croner accepted. */
export interface ParsedSchedule {
  name: string;
  cron: string;
  timezone: string;
  /** Paused: used only to compute fire times, never to run callbacks. */
  pattern: Cron;
}

export type JobSchedule = ParsedSchedule & { config: ScheduleConfig };

/** A croner pattern in a time zone, or an error message naming what is wrong. */
export function parseCron(cron: string, timezone: string): Cron | string {
  if (!isTimeZone(timezone)) return `unknown IANA time zone "${timezone}"`;
  try {
    const pattern = new Cron(cron, { timezone, paused: true });
    if (pattern.nextRun() === null) return `cron "${cron}" never fires`;
    return pattern;
  } catch (err) {
    return `invalid cron "${cron}": ${err instanceof Error ? err.message : String(err)}`;
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The `SCHEDULES` setting: a JSON array of `{name, cron, timezone?, type, payload, priority?, tenant_id?, user_id?}`.
 * Job types and payloads are checked by the contracts schema, cron expressions and time zones by croner, so a bad
 * entry stops the service at boot with the entry's index and the reason.
 */
export const SchedulesSetting = z
  .string()
  .default("[]")
  .transform((raw, ctx): JobSchedule[] => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `not JSON: ${err instanceof Error ? err.message : String(err)}` });
      return z.NEVER;
    }
    const parsed = SchedulesConfig.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: "custom", message: `[${issue.path.join(".")}] ${issue.message}` });
      }
      return z.NEVER;
    }
    const out: JobSchedule[] = [];
    for (const [i, config] of parsed.data.entries()) {
      const pattern = parseCron(config.cron, config.timezone);
      if (typeof pattern === "string") {
        ctx.addIssue({ code: "custom", message: `[${i}] schedule ${config.name}: ${pattern}` });
        continue;
      }
      out.push({ name: config.name, cron: config.cron, timezone: config.timezone, pattern, config });
    }
    return out;
  });

/** A cron setting such as RETENTION_CRON, checked with croner. */
export const cronSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((cron, ctx) => {
      const pattern = parseCron(cron, "UTC");
      if (typeof pattern === "string") ctx.addIssue({ code: "custom", message: pattern });
    });
