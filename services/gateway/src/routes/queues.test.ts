import {
  JobCommand,
  QUEUE_HISTORY_WINDOW_MS,
  QueueHistoryView,
  QueueStatsListView,
  SCHEDULE_COLLECTIONS,
  ScheduleListView,
  type ScheduleStateRecord,
  SUBJECTS,
} from "@ai-jobs/contracts";
import { createIdGenerator, createWorker, defineJob, type Worker } from "@ai-jobs/runtime";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, jobRecord, otherAdminAuth, otherAuth, problemOf, startHarness, userAuth } from "../../test/harness.js";
import { createQueueSampleStore } from "../data/queue-samples.js";
import { readQueueOverview } from "../data/queue-stats.js";
import { sampleOnce } from "../domain/queue-sampler.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;
const newId = createIdGenerator();

beforeAll(async () => {
  // No cache, so each request sees the state of the moment.
  app = await h.app({ QUEUE_STATS_CACHE_MS: "0" });
});

const command = (jobId: string, priority: "high" | "low") =>
  JobCommand.parse({
    jobId,
    tenantId: "acme",
    userId: "u_test",
    type: "plan.day.generate",
    queue: "ai_generation",
    priority,
    payload: { planId: "p1", dayId: "d1" },
    createdAt: new Date().toISOString(),
  });

async function stats(headers = auth): Promise<QueueStatsListView> {
  const res = await app.inject({ method: "GET", url: "/api/ai/queues/", headers });
  expect(res.statusCode).toBe(200);
  return QueueStatsListView.parse(res.json());
}

const pick = (view: QueueStatsListView, queue: string, priority: string) => {
  const q = view.queues.find((x) => x.queue === queue);
  return { q, p: q?.priorities.find((x) => x.priority === priority) };
};

describe("GET /api/ai/queues/", () => {
  it("needs a token", async () => {
    expect((await app.inject({ method: "GET", url: "/api/ai/queues" })).statusCode).toBe(401);
  });

  it("is an operator view: a tenant's owner gets a 403 (the figures tell of every tenant's activity)", async () => {
    const res = await app.inject({ method: "GET", url: "/api/ai/queues/", headers: userAuth });
    expect(res.statusCode).toBe(403);
    expect(problemOf(res).code).toBe("FORBIDDEN");
  });

  it("reports backlog, in flight, oldest waiting, workers, dead letters and throughput", async () => {
    const c = h.ctx.mongo.collections;
    // Finished jobs for throughput: 3 in the last minute, 2 more within 5 minutes, 1 older.
    const ago = (ms: number) => new Date(Date.now() - ms);
    const finished = [10_000, 20_000, 30_000, 120_000, 200_000, 900_000].map((ms, i) =>
      jobRecord(`fin${i}`, { status: "succeeded", priority: "high", finishedAt: ago(ms) }),
    );
    await c.jobs.insertMany(finished);
    await c.deadLetters.insertMany(
      [1, 2, 3].map((n) => ({
        _id: n,
        tenantId: n === 3 ? "globex" : "acme",
        jobId: null,
        queue: "ai_generation",
        type: null,
        error: { code: "X", message: "x" },
        attempts: 3,
        originalSubject: "jobs.ai_generation.high.acme",
        at: new Date(),
        replayedAt: null,
      })),
    );

    for (const priority of ["high", "high", "high", "low"] as const) {
      const cmd = command(newId(), priority);
      await h.ctx.messaging.publish(SUBJECTS.job("ai_generation", priority, "acme"), cmd, { msgId: cmd.jobId });
    }
    const before = await stats();
    expect(pick(before, "ai_generation", "high").p).toMatchObject({ backlog: 3, in_flight: 0, redeliveries: 0 });
    expect(pick(before, "ai_generation", "low").p).toMatchObject({ backlog: 1, in_flight: 0 });
    expect(pick(before, "ai_generation", "high").p?.oldest_waiting_age_ms).toBeGreaterThanOrEqual(0);
    expect(pick(before, "ai_generation", "normal").p?.oldest_waiting_age_ms).toBeNull();
    expect(pick(before, "ai_generation", "high").p).toMatchObject({ throughput_1m: 3, throughput_5m: 1 });
    expect(pick(before, "ai_generation", "high").q).toMatchObject({
      workers: { alive: 0, concurrency: 0, in_flight: 0 },
      dead_letters: 2,
      throughput_1m: 3,
      throughput_5m: 1,
    });
    // Dead letters are the caller's tenant's; the rest is platform-wide.
    const other = await stats(otherAdminAuth);
    expect(pick(other, "ai_generation", "high").q?.dead_letters).toBe(1);
    expect(pick(other, "ai_generation", "high").p?.backlog).toBe(3);

    // A worker with two slots takes two jobs and holds them.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const worker: Worker = createWorker({
      nats: h.ctx.nats,
      messaging: h.ctx.messaging,
      events: h.ctx.events,
      jobs: [
        defineJob({
          type: "plan.day.generate",
          handler: async (ctx) => {
            await held;
            return { plan_id: ctx.payload.planId, day_id: ctx.payload.dayId, task_ids: [] };
          },
        }),
      ],
      concurrency: 2,
      log: h.ctx.log,
      serviceName: "planner",
      instanceId: "p1",
      pullExpiresMs: 1_000,
    });
    await worker.start();
    try {
      const during = await waitFor(
        async () => {
          const v = await stats();
          const q = pick(v, "ai_generation", "high").q;
          const inFlight = q?.priorities.reduce((n, p) => n + p.in_flight, 0) ?? 0;
          return inFlight >= 2 && q?.workers.in_flight === 2 ? v : undefined;
        },
        { what: "two jobs in flight", timeoutMs: 20_000 },
      );
      const { q } = pick(during, "ai_generation", "high");
      expect(q?.workers).toEqual({ alive: 1, concurrency: 2, in_flight: 2 });
      const backlog = q?.priorities.reduce((n, p) => n + p.backlog, 0);
      // Two running; of the other two, the worker may hold one per priority for its next slot.
      expect(backlog).toBeLessThanOrEqual(2);
      expect(pick(during, "ingest", "high").q?.workers.alive).toBe(0);
    } finally {
      release();
      await worker.stop(5_000);
    }
  });
});

describe("GET /api/ai/queues/history/", () => {
  const INTERVAL = 60_000;
  const sampler = (now: number) => ({
    store: createQueueSampleStore(h.ctx.mongo.db),
    read: () => readQueueOverview({ jsm: h.ctx.nats.jsm, collections: h.ctx.mongo.collections }, new Date(now)),
    intervalMs: INTERVAL,
    log: h.ctx.log,
    now: () => now,
  });
  const history = async (headers = auth) => {
    const res = await app.inject({ method: "GET", url: "/api/ai/queues/history/", headers });
    expect(res.statusCode).toBe(200);
    return QueueHistoryView.parse(res.json());
  };

  it("is an operator view", async () => {
    expect((await app.inject({ method: "GET", url: "/api/ai/queues/history/" })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/api/ai/queues/history/", headers: userAuth })).statusCode).toBe(
      403,
    );
  });

  it("keeps one sample per slot whichever replica takes it, the last hour only, oldest first", async () => {
    const slot = Math.floor(Date.now() / INTERVAL) * INTERVAL;
    // An old sample, past the window: the next sample prunes it.
    expect(await sampleOnce(sampler(slot - QUEUE_HISTORY_WINDOW_MS - 2 * INTERVAL))).toBe(true);
    expect(await sampleOnce(sampler(slot - 2 * INTERVAL + 5))).toBe(true);
    // Two replicas in the same slot: the second finds it taken.
    const [a, b] = await Promise.all([sampleOnce(sampler(slot + 10)), sampleOnce(sampler(slot + 20))]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await sampleOnce(sampler(slot + 30))).toBe(false);

    const view = await history();
    expect(view).toMatchObject({ interval_ms: INTERVAL, window_ms: QUEUE_HISTORY_WINDOW_MS });
    expect(view.samples.map((s) => Date.parse(s.at))).toEqual([slot - 2 * INTERVAL + 5, expect.any(Number)]);
    expect(await h.ctx.mongo.db.collection("queue_samples").countDocuments()).toBe(2);
    const sample = view.samples[1];
    expect(sample?.queues.map((q) => q.queue)).toEqual(["ai_generation", "ingest"]);
    expect(sample?.queues[0]?.priorities.map((p) => p.priority)).toEqual(["critical", "high", "normal", "low"]);
    expect(sample?.queues[0]).toMatchObject({
      backlog: expect.any(Number),
      in_flight: expect.any(Number),
      throughput_1m: expect.any(Number),
      workers_alive: expect.any(Number),
    });
  });
});

describe("GET /api/ai/queues/ cache", () => {
  it("serves one reading for the cache period", async () => {
    const cachedApp = await h.app({ QUEUE_STATS_CACHE_MS: "60000" });
    const get = async () =>
      QueueStatsListView.parse(
        (await cachedApp.inject({ method: "GET", url: "/api/ai/queues", headers: auth })).json(),
      );
    const first = await get();
    const cmd = command(newId(), "low");
    await h.ctx.messaging.publish(SUBJECTS.job("ai_generation", "low", "acme"), cmd, { msgId: cmd.jobId });
    const second = await get();
    expect(second.taken_at).toBe(first.taken_at);
    expect(pick(second, "ai_generation", "low").p?.backlog).toBe(pick(first, "ai_generation", "low").p?.backlog);
  });
});

describe("GET /api/ai/schedules/", () => {
  it("lists the schedules the events replicas run, with their next fire time", async () => {
    const next = new Date(Date.now() + 60_000);
    const now = new Date();
    await h.ctx.mongo.db.collection<ScheduleStateRecord>(SCHEDULE_COLLECTIONS.schedules).insertMany([
      {
        _id: "nightly.review",
        kind: "job",
        cron: "0 2 * * *",
        timezone: "America/Sao_Paulo",
        type: "plan.generate",
        priority: "low",
        tenantId: "acme",
        nextFireAt: next,
        lastFireAt: null,
        updatedAt: now,
      },
      {
        _id: "maintenance.retention",
        kind: "maintenance",
        cron: "0 * * * *",
        timezone: "UTC",
        type: null,
        priority: null,
        tenantId: null,
        nextFireAt: next,
        lastFireAt: now,
        updatedAt: now,
      },
      {
        _id: "globex.digest",
        kind: "job",
        cron: "0 3 * * *",
        timezone: "UTC",
        type: "plan.generate",
        priority: "normal",
        tenantId: "globex",
        nextFireAt: next,
        lastFireAt: null,
        updatedAt: now,
      },
    ]);
    expect((await app.inject({ method: "GET", url: "/api/ai/schedules" })).statusCode).toBe(401);
    const res = await app.inject({ method: "GET", url: "/api/ai/schedules/", headers: auth });
    expect(res.statusCode).toBe(200);
    const view = ScheduleListView.parse(res.json());
    expect(view.items.map((s) => s.name)).toEqual(["globex.digest", "maintenance.retention", "nightly.review"]);
    expect(view.items[2]).toMatchObject({
      kind: "job",
      cron: "0 2 * * *",
      timezone: "America/Sao_Paulo",
      type: "plan.generate",
      priority: "low",
      next_fire_at: next.toISOString(),
      last_fire_at: null,
    });
    expect(view.items[1]?.last_fire_at).toBe(now.toISOString());
  });

  it("shows a tenant's owner only its own tenant's job schedules (an admin sees them all)", async () => {
    const res = await app.inject({ method: "GET", url: "/api/ai/schedules/", headers: otherAuth });
    expect(ScheduleListView.parse(res.json()).items.map((s) => s.name)).toEqual(["globex.digest"]);
    const acme = await app.inject({ method: "GET", url: "/api/ai/schedules/", headers: userAuth });
    expect(ScheduleListView.parse(acme.json()).items.map((s) => s.name)).toEqual(["nightly.review"]);
  });
});
