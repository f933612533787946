import { z } from "zod";
import { JOB_TYPES, JobTypeName } from "./job-types/index.js";
import { Priority, Queue, TenantId } from "./queues.js";

/** MongoDB collections of the scheduler (events writes them, the gateway reads `schedules`). */
export const SCHEDULE_COLLECTIONS = {
  /** One document per configured schedule: its config and next fire time, rewritten by the events replicas. */
  schedules: "schedules",
  /** One document per fire, `_id = cron:<name>:<fireTime ISO>`: the unique insert that claims a fire. */
  fires: "schedule_fires",
} as const;

/** The built-in maintenance schedule (retention purge); a local task in events, not a job. */
export const RETENTION_SCHEDULE = "maintenance.retention";

const SCHEDULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * One entry of the events service's `SCHEDULES` config (a JSON array), in the manner of Celery beat. The cron
 * expression (5 or 6 fields, seconds first when 6) and the IANA time zone are checked by the scheduler with croner;
 * the payload against the job type's schema here.
 */
export const ScheduleConfig = z
  .object({
    name: z.string().regex(SCHEDULE_NAME, "schedule name must match [A-Za-z0-9_.-]{1,64}"),
    cron: z.string().min(1),
    timezone: z.string().min(1).default("UTC"),
    type: JobTypeName,
    payload: z.record(z.string(), z.unknown()),
    priority: Priority.default("normal"),
    /** The tenant and user the jobs are created for. */
    tenant_id: TenantId.default("system"),
    user_id: z.string().min(1).default("scheduler"),
  })
  .strict()
  .superRefine((s, ctx) => {
    const parsed = JOB_TYPES[s.type].payload.safeParse(s.payload);
    if (!parsed.success) {
      ctx.addIssue({
        code: "custom",
        path: ["payload"],
        message: `invalid ${s.type} payload: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
      });
    }
  });
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

export const SchedulesConfig = z.array(ScheduleConfig).superRefine((list, ctx) => {
  const seen = new Set<string>();
  for (const [i, s] of list.entries()) {
    if (s.name === RETENTION_SCHEDULE || seen.has(s.name)) {
      ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate or reserved schedule name ${s.name}` });
    }
    seen.add(s.name);
  }
});

/** A document of the `schedules` collection. */
export interface ScheduleStateRecord {
  /** The schedule name. */
  _id: string;
  kind: "job" | "maintenance";
  cron: string;
  timezone: string;
  type: string | null;
  priority: Priority | null;
  /** The tenant a job schedule submits for (null: a maintenance task); missing on entries written before it existed. */
  tenantId?: string | null;
  nextFireAt: Date | null;
  lastFireAt: Date | null;
  updatedAt: Date;
}

/** `GET /api/ai/schedules/` */
export const ScheduleView = z.object({
  name: z.string(),
  kind: z.enum(["job", "maintenance"]),
  cron: z.string(),
  timezone: z.string(),
  type: z.string().nullable(),
  priority: Priority.nullable(),
  next_fire_at: z.string().nullable(),
  last_fire_at: z.string().nullable(),
  /** When an events replica last wrote this entry; old means no scheduler is running. */
  updated_at: z.string(),
});
export type ScheduleView = z.infer<typeof ScheduleView>;
export const ScheduleListView = z.object({ items: z.array(ScheduleView) });
export type ScheduleListView = z.infer<typeof ScheduleListView>;

/** Per (queue, priority) figures of `GET /api/ai/queues/`. */
export const QueuePriorityStatsView = z.object({
  priority: Priority,
  /** Commands waiting for a worker (consumer `num_pending`). */
  backlog: z.number().int(),
  /** Delivered, not yet acked (`num_ack_pending`). */
  in_flight: z.number().int(),
  /** Messages delivered more than once (`num_redelivered`). */
  redeliveries: z.number().int(),
  /** Age of the oldest command still waiting; null when none waits. */
  oldest_waiting_age_ms: z.number().int().nullable(),
  /** Jobs finished (succeeded, failed or cancelled) per minute over the last minute, and over the last 5. */
  throughput_1m: z.number(),
  throughput_5m: z.number(),
});

export const QueueStatsView = z.object({
  queue: Queue,
  /** Live workers of the queue (WORKERS heartbeats): how many, their total concurrency and jobs in hand. */
  workers: z.object({ alive: z.number().int(), concurrency: z.number().int(), in_flight: z.number().int() }),
  /** Dead letters of this queue belonging to the caller's tenant (the other figures are platform-wide). */
  dead_letters: z.number().int(),
  throughput_1m: z.number(),
  throughput_5m: z.number(),
  priorities: z.array(QueuePriorityStatsView),
});
export const QueueStatsListView = z.object({
  /** When the figures were taken (they are cached for a few seconds). */
  taken_at: z.string(),
  queues: z.array(QueueStatsView),
});
export type QueueStatsListView = z.infer<typeof QueueStatsListView>;
