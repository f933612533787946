import {
  CONSUMERS,
  HEADERS,
  JobCommand,
  SCHEDULE_COLLECTIONS,
  type ScheduleStateRecord,
  STREAMS,
  SUBJECTS,
} from "@ai-jobs/contracts";
import { ConfigError, loadConfig } from "@ai-jobs/runtime";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { configShape } from "../config.js";
import { createScheduleRepository, firesOf } from "../data/schedules.js";
import { startHarness } from "../testing/harness.js";
import { jobIdOfFire } from "./fires.js";
import { createScheduler, type Scheduler } from "./scheduler.js";

const h = useHarness(() => startHarness({ SCHEDULES: JSON.stringify([everySecond]) }));
const log = pino({ level: "silent" });

const payload = {
  planId: "plan-nightly",
  goal: "Review linear algebra",
  title: "Nightly review",
  studyContext: null,
  startDate: "2026-12-01",
  endDate: "2026-12-07",
  dailyMinutes: 60,
};
const everySecond = { name: "nightly.review", cron: "* * * * * *", type: "plan.generate", payload, priority: "low" };

function newScheduler(): Scheduler {
  return createScheduler({
    store: createScheduleRepository(h.ctx.mongo.db),
    messaging: h.ctx.messaging,
    events: h.ctx.events,
    nats: h.ctx.nats,
    outbox: h.outbox,
    log,
    schedules: h.config.SCHEDULES,
    maintenance: [],
    tickMs: 100,
  });
}

describe("cron schedules", () => {
  it("two replicas on the same config fire each tick once: one job and one command per fire", async () => {
    const [a, b] = [newScheduler(), newScheduler()];
    await Promise.all([a.start(), b.start()]);
    const since = new Date();
    try {
      await new Promise((r) => setTimeout(r, 3_400));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const fires = await firesOf(h.ctx.mongo.db).find({ schedule: everySecond.name }).toArray();
    expect(fires.length).toBeGreaterThanOrEqual(3);
    // One job per fire (read as the services read jobs: no projector runs here), and each fire a distinct second.
    const found = await Promise.all(fires.map((f) => h.reader.find("system", f.jobId ?? "")));
    const jobs = found.filter((j) => j !== null);
    expect(jobs).toHaveLength(fires.length);
    expect(new Set(fires.map((f) => f.fireAt.getTime())).size).toBe(fires.length);
    for (const f of fires) {
      expect(f._id).toBe(`cron:${everySecond.name}:${f.fireAt.toISOString()}`);
      expect(f.fireAt.getMilliseconds()).toBe(0);
      expect(f.jobId).toBe(jobIdOfFire(f._id, f.fireAt));
      expect(f.fireAt.getTime()).toBeGreaterThan(since.getTime() - 1_000);
    }
    for (const j of jobs) {
      expect(j).toMatchObject({ type: "plan.generate", queue: "ai_generation", priority: "low", status: "queued" });
      expect(j.userId).toBe("scheduler");
      expect(j.payload).toEqual(payload);
    }
    // Every fire was published, none held for the reconciler.
    expect(await h.ctx.mongo.collections.jobOutbox.countDocuments()).toBe(0);

    // One command per fire in JOBS, with the job id as its message id.
    const subject = SUBJECTS.job("ai_generation", "low", "system");
    expect(await h.countOn(STREAMS.jobs, subject)).toBe(fires.length);
    // Read (and take) them through the queue's worker consumer.
    const consumer = await h.ctx.nats.js.consumers.get(STREAMS.jobs, CONSUMERS.worker("ai_generation", "low"));
    const ids: string[] = [];
    for (let i = 0; i < fires.length; i++) {
      const m = await consumer.next({ expires: 2_000 });
      expect(m?.headers?.get(HEADERS.msgId)).toBe(JobCommand.parse(m?.json()).jobId);
      ids.push(JobCommand.parse(m?.json()).jobId);
      m?.ack();
    }
    expect(ids.sort()).toEqual(jobs.map((j) => j._id).sort());

    // The gateway's list: the schedule with its next fire time.
    const state = await h.ctx.mongo.db
      .collection<ScheduleStateRecord>(SCHEDULE_COLLECTIONS.schedules)
      .findOne({ _id: everySecond.name });
    expect(state?.nextFireAt).toBeInstanceOf(Date);
    expect(state?.lastFireAt).toBeInstanceOf(Date);
    expect(state).toMatchObject({
      kind: "job",
      cron: "* * * * * *",
      timezone: "UTC",
      type: "plan.generate",
      // The gateway shows a schedule only to its own tenant.
      tenantId: "system",
    });
  }, 30_000);

  it("after a downtime only the latest missed fire runs, once", async () => {
    const fires = firesOf(h.ctx.mongo.db);
    const known = new Set((await fires.find({ schedule: everySecond.name }).toArray()).map((f) => f._id));
    // Every replica down for a few seconds: several fires missed.
    await new Promise((r) => setTimeout(r, 2_500));
    const restartedAt = Date.now();
    const [a, b] = [newScheduler(), newScheduler()];
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.stop(), b.stop()]);
    const added = (await fires.find({ schedule: everySecond.name }).toArray()).filter((f) => !known.has(f._id));
    // Of the missed fires, only the latest runs, once. (A restart that straddles a second boundary may also run that
    // new second's regular fire: that one is not a missed fire.)
    const missed = added.filter((f) => f.fireAt.getTime() <= restartedAt);
    expect(missed).toHaveLength(1);
    expect(restartedAt - (missed[0]?.fireAt.getTime() ?? 0)).toBeLessThan(1_000);
    expect(added.length - missed.length).toBeLessThanOrEqual(1);
  });

  it("runs a maintenance task once per fire across replicas", async () => {
    const runs: Date[] = [];
    const pattern = h.config.SCHEDULES[0]?.pattern;
    if (!pattern) throw new Error("no schedule");
    const task = {
      name: "maintenance.test",
      cron: "* * * * * *",
      timezone: "UTC",
      pattern,
      run: async (at: Date) => {
        runs.push(at);
      },
    };
    const make = () =>
      createScheduler({
        store: createScheduleRepository(h.ctx.mongo.db),
        messaging: h.ctx.messaging,
        events: h.ctx.events,
        nats: h.ctx.nats,
        outbox: h.outbox,
        log,
        schedules: [],
        maintenance: [task],
        tickMs: 100,
      });
    const [a, b] = [make(), make()];
    await Promise.all([a.start(), b.start()]);
    await new Promise((r) => setTimeout(r, 3_300));
    await Promise.all([a.stop(), b.stop()]);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(runs.map((r) => r.getTime())).size).toBe(runs.length);
  });

  it("refuses a bad SCHEDULES config at boot with a clear message", () => {
    const load = (schedules: unknown) => () =>
      loadConfig(configShape, { AUTH_TOKENS: "t:acme:admin", SCHEDULES: JSON.stringify(schedules) });
    expect(load([{ ...everySecond, type: "no.such.type" }])).toThrow(ConfigError);
    expect(load([{ ...everySecond, type: "no.such.type" }])).toThrow(/SCHEDULES/);
    expect(load([{ ...everySecond, payload: { planId: "p" } }])).toThrow(/invalid plan.generate payload/);
    expect(load([{ ...everySecond, cron: "61 * * * *" }])).toThrow(/invalid cron "61 \* \* \* \*"/);
    expect(load([{ ...everySecond, timezone: "Mars/Olympus" }])).toThrow(/unknown IANA time zone "Mars\/Olympus"/);
    expect(load([everySecond, everySecond])).toThrow(/duplicate or reserved schedule name/);
    expect(() => loadConfig(configShape, { AUTH_TOKENS: "t:acme:admin", SCHEDULES: "[{" })).toThrow(/not JSON/);
    expect(() => loadConfig(configShape, { AUTH_TOKENS: "t:acme:admin", RETENTION_CRON: "nope" })).toThrow(
      /RETENTION_CRON/,
    );
    const ok = load([{ ...everySecond, timezone: "America/Sao_Paulo", cron: "0 2 * * 0" }])();
    expect(ok.SCHEDULES[0]?.pattern.nextRun()?.getUTCHours()).toBe(5);
  });
});
