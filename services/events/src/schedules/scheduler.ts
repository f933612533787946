import { JOB_TYPES, newJobRecord, type ScheduleConfig } from "@ai-jobs/contracts";
import {
  acceptJob,
  type JobEventPublisher,
  type JobOutbox,
  type Logger,
  type Messaging,
  type NatsContext,
} from "@ai-jobs/runtime";
import type { Cron } from "croner";
import type { ScheduleRepository, ScheduleState } from "../data/schedules.js";
import { sleep } from "../sleep.js";
import { fireIdOf, jobIdOfFire } from "./fires.js";
import type { JobSchedule } from "./schedule-config.js";

/** A built-in task run in the events process itself (not a job on a queue), under the same exactly-once claim. */
export interface MaintenanceTask {
  name: string;
  cron: string;
  timezone: string;
  pattern: Cron;
  run(fireAt: Date): Promise<void>;
}

export interface SchedulerDeps {
  /** `schedule_fires` and `schedules` (`createScheduleRepository`). */
  store: ScheduleRepository;
  messaging: Messaging;
  events: JobEventPublisher;
  nats: Pick<NatsContext, "connected">;
  /** Where a fire's job waits when NATS cannot take it (or its queue is full). */
  outbox: Pick<JobOutbox, "hold">;
  log: Logger;
  schedules: readonly JobSchedule[];
  maintenance: readonly MaintenanceTask[];
  /** How often the replica looks for due fires; well under a second for second-level crons. */
  tickMs: number;
  now?: () => Date;
}

export interface FireOutcome {
  schedule: string;
  fireAt: Date;
  /** `won`: this replica claimed the fire and ran it; `lost`: another replica did. */
  result: "won" | "lost";
  jobId: string | null;
}

export interface Scheduler {
  /** Publishes the schedule list, fires the latest fire missed while no replica ran, and starts ticking. */
  start(): Promise<void>;
  /** Runs the fires due since the last tick (used by tests; the loop calls it). */
  tick(): Promise<FireOutcome[]>;
  stop(): Promise<void>;
}

type Entry =
  | { kind: "job"; name: string; cron: string; timezone: string; pattern: Cron; config: ScheduleConfig }
  | { kind: "maintenance"; name: string; cron: string; timezone: string; pattern: Cron; task: MaintenanceTask };

/** Fires run in one tick at most; more means the process stalled, and only the latest ones are run. */
const MAX_FIRES_PER_TICK = 5;

/**
 * Cron schedules in the manner of Celery beat, run by every events replica at once. At each fire time every replica
 * tries to claim the fire with a unique-`_id` insert into `schedule_fires` (`cron:<name>:<fireTime>`); only the
 * winner runs it, so a fire happens once however many replicas run. A job fire accepts its job exactly as the gateway
 * does (`acceptJob`), with an id derived from the fire id; when NATS cannot take it, or its queue is full, the
 * outbox holds it and the reconciler publishes it later. The job id doubles as the command's `Nats-Msg-Id`, a
 * second guard in JetStream's duplicate window.
 *
 * Fires missed while no replica ran: at boot, only the latest missed fire of each schedule is run (as Celery beat
 * does), and only for schedules that fired before (a `lastFireAt` in `schedules`).
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const log = deps.log.child({ component: "scheduler" });
  const clock = deps.now ?? (() => new Date());
  const stopped = new AbortController();
  let loop: Promise<void> | undefined;

  const entries: Entry[] = [
    ...deps.schedules.map((s): Entry => ({ kind: "job", ...s })),
    ...deps.maintenance.map((t): Entry => ({ kind: "maintenance", ...t, task: t })),
  ];
  /** The last fire time each entry has dealt with (fired, or seen claimed by another replica). */
  const cursors = new Map<string, Date>();

  const writeState = (e: Entry, now: Date, lastFireAt: Date | null) => {
    const state: ScheduleState = {
      kind: e.kind,
      cron: e.cron,
      timezone: e.timezone,
      type: e.kind === "job" ? e.config.type : null,
      priority: e.kind === "job" ? e.config.priority : null,
      tenantId: e.kind === "job" ? e.config.tenant_id : null,
      nextFireAt: e.pattern.nextRun(now),
      updatedAt: now,
    };
    return deps.store.writeState(e.name, state, lastFireAt);
  };

  const fireJob = async (e: Extract<Entry, { kind: "job" }>, fireAt: Date): Promise<FireOutcome> => {
    const fireId = fireIdOf(e.name, fireAt);
    const jobId = jobIdOfFire(fireId, fireAt);
    const now = clock();
    if (!(await deps.store.claimFire({ _id: fireId, schedule: e.name, fireAt, jobId }, now))) {
      return { schedule: e.name, fireAt, result: "lost", jobId };
    }
    const { config } = e;
    const job = newJobRecord({
      jobId,
      tenantId: config.tenant_id,
      userId: config.user_id,
      type: config.type,
      priority: config.priority,
      payload: JOB_TYPES[config.type].payload.parse(config.payload) as Record<string, unknown>,
      now,
    });
    // A fire claimed twice (its claim purged and taken again) publishes under the same ids: JetStream keeps one.
    const accepted = await acceptJob(
      { messaging: deps.messaging, events: deps.events, nats: deps.nats, outbox: deps.outbox, log },
      job,
      { now, whenFull: "hold" },
    );
    if (accepted === "held") log.warn({ jobId, schedule: e.name }, "scheduled job held for the reconciler");
    log.info({ schedule: e.name, fireAt, jobId, type: config.type }, "schedule fired");
    return { schedule: e.name, fireAt, result: "won", jobId };
  };

  const fireMaintenance = async (e: Extract<Entry, { kind: "maintenance" }>, fireAt: Date): Promise<FireOutcome> => {
    const fireId = fireIdOf(e.name, fireAt);
    if (!(await deps.store.claimFire({ _id: fireId, schedule: e.name, fireAt, jobId: null }, clock()))) {
      return { schedule: e.name, fireAt, result: "lost", jobId: null };
    }
    await e.task.run(fireAt);
    log.info({ schedule: e.name, fireAt }, "maintenance task ran");
    return { schedule: e.name, fireAt, result: "won", jobId: null };
  };

  const fire = (e: Entry, fireAt: Date) => (e.kind === "job" ? fireJob(e, fireAt) : fireMaintenance(e, fireAt));

  const tick = async (): Promise<FireOutcome[]> => {
    const now = clock();
    const outcomes: FireOutcome[] = [];
    for (const e of entries) {
      const cursor = cursors.get(e.name) ?? now;
      const due: Date[] = [];
      for (
        let next = e.pattern.nextRun(cursor);
        next && next.getTime() <= now.getTime();
        next = e.pattern.nextRun(next)
      ) {
        due.push(next);
        if (due.length > MAX_FIRES_PER_TICK) due.shift();
      }
      if (due.length === 0) {
        cursors.set(e.name, cursor);
        continue;
      }
      for (const fireAt of due) {
        try {
          outcomes.push(await fire(e, fireAt));
        } catch (err) {
          log.error({ err, schedule: e.name, fireAt }, "schedule fire failed");
        }
      }
      const last = due.at(-1) ?? cursor;
      cursors.set(e.name, last);
      await writeState(e, now, last).catch((err: unknown) => log.warn({ err }, "could not write schedule state"));
    }
    return outcomes;
  };

  const catchUp = async (now: Date) => {
    const known = new Map((await deps.store.states()).map((s) => [s._id, s]));
    for (const e of entries) {
      cursors.set(e.name, now);
      const lastFireAt = known.get(e.name)?.lastFireAt ?? null;
      const latest = e.pattern.previousRuns(1, now)[0];
      if (lastFireAt && latest && latest.getTime() > lastFireAt.getTime()) {
        log.info({ schedule: e.name, missed: latest, lastFireAt }, "running the latest fire missed while down");
        await fire(e, latest).catch((err: unknown) => log.error({ err, schedule: e.name }, "missed fire failed"));
        await writeState(e, now, latest);
      } else {
        await writeState(e, now, null);
      }
    }
    // Schedules no longer configured disappear from the list.
    await deps.store.keepStatesOf(entries.map((e) => e.name));
  };

  const run = async () => {
    while (!stopped.signal.aborted) {
      try {
        await tick();
      } catch (err) {
        log.warn({ err }, "scheduler tick failed");
      }
      await sleep(deps.tickMs, stopped.signal);
    }
  };

  return {
    async start() {
      await catchUp(clock());
      loop ??= run();
      log.info({ schedules: entries.map((e) => e.name) }, "scheduler started");
    },
    tick,
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}
