import { useHarness } from "@ai-jobs/testkit/vitest";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createRetentionRepository } from "../data/retention.js";
import { firesOf } from "../data/schedules.js";
import { startHarness } from "../testing/harness.js";
import { purgeExpired, type RetentionPolicy } from "./retention.js";

const h = useHarness(() => startHarness());
const log = pino({ level: "silent" });
const DAY = 86_400_000;
const policy: RetentionPolicy = {
  jobDays: 30,
  idempotencyHours: 24,
  deadLetterDays: 30,
  fireDays: 7,
  // Small batches, so the purge takes several.
  batchSize: 2,
  maxBatches: 100,
};

const ago = (days: number) => new Date(Date.now() - days * DAY);

describe("retention purge", () => {
  it("deletes old finished jobs with their events, and keeps recent and unfinished ones", async () => {
    const c = h.ctx.mongo.collections;
    const old = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        h.insertJob({ status: "succeeded", createdAt: ago(40), updatedAt: ago(40), finishedAt: ago(40) }),
      ),
    );
    const recent = await h.insertJob({ status: "failed", createdAt: ago(40), finishedAt: ago(2) });
    const unfinished = await h.insertJob({ status: "running", createdAt: ago(60), startedAt: ago(60) });
    const queued = await h.insertJob({ status: "queued", createdAt: ago(60) });
    let seq = 1_000;
    const events = [...old, recent, unfinished, queued].flatMap((j) =>
      [0, 1, 2].map(() => ({
        _id: seq++,
        jobId: j._id,
        tenantId: j.tenantId,
        kind: "log",
        attempt: 1,
        at: ago(40),
        data: {},
      })),
    );
    await c.jobEvents.insertMany(events);
    await c.idempotencyKeys.insertMany([
      { _id: "acme:old", tenantId: "acme", jobId: "x", requestHash: "h", createdAt: ago(2) },
      { _id: "acme:new", tenantId: "acme", jobId: "y", requestHash: "h", createdAt: new Date() },
    ]);
    const dead = (id: number, at: Date) => ({
      _id: id,
      tenantId: "acme",
      jobId: null,
      queue: "ai_generation",
      type: null,
      error: { code: "X", message: "x" },
      attempts: 3,
      originalSubject: "jobs.ai_generation.normal.acme",
      at,
      replayedAt: null,
    });
    await c.deadLetters.insertMany([dead(1, ago(31)), dead(2, ago(1))]);
    const fires = firesOf(h.ctx.mongo.db);
    await fires.insertMany([
      { _id: "cron:a:old", schedule: "a", fireAt: ago(8), jobId: null, claimedAt: ago(8) },
      { _id: "cron:a:new", schedule: "a", fireAt: ago(1), jobId: null, claimedAt: ago(1) },
    ]);

    const result = await purgeExpired({ store: createRetentionRepository(h.ctx.mongo), log, policy });
    expect(result).toEqual({ jobs: 5, jobEvents: 15, idempotencyKeys: 1, deadLetters: 1, fires: 1 });

    const left = (await c.jobs.find({}).toArray()).map((j) => j._id).sort();
    expect(left).toEqual([recent._id, unfinished._id, queued._id].sort());
    expect(await c.jobEvents.countDocuments({ jobId: { $in: old.map((j) => j._id) } })).toBe(0);
    expect(await c.jobEvents.countDocuments()).toBe(9);
    expect((await c.idempotencyKeys.find({}).toArray()).map((k) => k._id)).toEqual(["acme:new"]);
    expect((await c.deadLetters.find({}).toArray()).map((d) => d._id)).toEqual([2]);
    expect((await fires.find({}).toArray()).map((f) => f._id)).toEqual(["cron:a:new"]);

    // Nothing more to do the second time.
    expect(await purgeExpired({ store: createRetentionRepository(h.ctx.mongo), log, policy })).toEqual({
      jobs: 0,
      jobEvents: 0,
      idempotencyKeys: 0,
      deadLetters: 0,
      fires: 0,
    });
  });
});
