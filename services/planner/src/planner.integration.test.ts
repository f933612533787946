import {
  HEADERS,
  type JobCommand,
  type JobEvent,
  type JobType,
  STREAMS,
  type StudyPlan,
  SUBJECTS,
} from "@ai-jobs/contracts";
import { createIdGenerator } from "@ai-jobs/runtime";
import { planRecord, waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { describe, expect, it } from "vitest";
import { generatePayload } from "./testing/fixtures.js";
import { startPlannerHarness } from "./testing/planner-harness.js";

const TENANT = "tenant_planner";
const newId = createIdGenerator();

const h = useHarness(() => startPlannerHarness({ instanceId: "planner-test", worker: () => ({ concurrency: 2 }) }));

async function insertPlan(overrides: Partial<StudyPlan> = {}): Promise<StudyPlan> {
  const plan = planRecord(newId(), TENANT, {
    goal: "photosynthesis and cellular respiration",
    endDate: "2025-03-07",
    ...overrides,
  });
  await h.ctx.mongo.collections.plans.insertOne(plan);
  return plan;
}

/** Publishes a command the way the gateway does; `msgId` defaults to the job id. */
async function publish(type: JobType | string, payload: Record<string, unknown>, jobId = newId(), msgId = jobId) {
  return h.publishCommand({ tenantId: TENANT, type, payload, jobId }, { msgId });
}

/** The job's events from JOB_EVENTS, in order, up to its terminal one. */
async function eventsOf(jobId: string, timeoutMs = 20_000): Promise<JobEvent[]> {
  return h.eventsOf(TENANT, jobId, { timeoutMs });
}

const terminal = (events: JobEvent[]) => events.at(-1);

async function contentOf(planId: string) {
  const { days, tasks, plans } = h.ctx.mongo.collections;
  return {
    plan: await plans.findOne({ _id: planId }),
    days: await days.find({ planId }).sort({ index: 1 }).toArray(),
    tasks: await tasks.find({ planId }).sort({ _id: 1 }).toArray(),
  };
}

/** The JOBS work queue is empty once every command was acked. */
const queueDrained = () =>
  waitFor(async () => (await h.ctx.nats.jsm.streams.info(STREAMS.jobs)).state.messages === 0, {
    what: "the JOBS queue to drain",
    timeoutMs: 20_000,
  });

describe("planner worker", () => {
  it("generates a plan: started, throttled progress and succeeded events, days and tasks stored, plan succeeded", async () => {
    const plan = await insertPlan();
    const command = await publish("plan.generate", generatePayload(plan));

    const events = await eventsOf(command.jobId);
    expect(events.map((e) => e.kind)).toEqual(["started", ...Array(8).fill("progress"), "succeeded"]);
    const messages = events.flatMap((e) => (e.kind === "progress" ? [e.data.message] : []));
    expect(messages[0]).toBe("outline drafted");
    expect(messages.at(-1)).toBe("day 7/7 drafted");
    const done = terminal(events);
    expect(done?.kind === "succeeded" && done.data.result).toEqual({
      plan_id: plan._id,
      day_count: 7,
      task_count: 35,
      provider: "offline",
    });

    const stored = await contentOf(plan._id);
    expect(stored.plan).toMatchObject({
      generationStatus: "succeeded",
      provider: "offline",
      lastError: null,
      jobId: command.jobId,
    });
    expect(stored.days.map((d) => d._id)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `${plan._id}-d${i}`));
    expect(stored.days.map((d) => d.date)).toEqual(
      ["01", "02", "03", "04", "05", "06", "07"].map((d) => `2025-03-${d}`),
    );
    expect(stored.tasks).toHaveLength(35);
    for (const day of stored.days) {
      const minutes = stored.tasks.filter((t) => t.dayId === day._id).reduce((sum, t) => sum + t.estimatedMinutes, 0);
      expect(minutes).toBe(60);
    }
    expect(stored.tasks.map((t) => t._id)).toContain(`${plan._id}-d0-s1-t0`);
  });

  it("throttles per-day progress to about ten events for a long plan", async () => {
    const plan = await insertPlan({ startDate: "2025-01-01", endDate: "2025-03-31" });
    const command = await publish("plan.generate", generatePayload(plan));
    const events = await eventsOf(command.jobId);
    expect(terminal(events)?.kind).toBe("succeeded");
    const progress = events.filter((e) => e.kind === "progress");
    expect(progress.length).toBeLessThanOrEqual(11);
    expect(progress.at(-1)?.kind === "progress" && progress.at(-1)?.data).toMatchObject({
      pct: 95,
      message: "day 90/90 drafted",
    });
    expect((await contentOf(plan._id)).days).toHaveLength(90);
  });

  it("when the same command is delivered again, the plan's days and tasks are replaced, never duplicated", async () => {
    const plan = await insertPlan();
    const command = await publish("plan.generate", generatePayload(plan));
    expect(terminal(await eventsOf(command.jobId))?.kind).toBe("succeeded");
    const first = await contentOf(plan._id);

    // Leftovers a run must clean up: a stray task in a kept section, and a day beyond the plan's range.
    const { days, tasks } = h.ctx.mongo.collections;
    const sample = first.tasks[0];
    const lastDay = first.days.at(-1);
    if (!sample || !lastDay) throw new Error("nothing generated");
    await tasks.insertOne({ ...sample, _id: `${plan._id}-d0-s1-t7`, index: 7 });
    await days.insertOne({ ...lastDay, _id: `${plan._id}-d9`, index: 9 });
    await tasks.insertOne({ ...sample, _id: `${plan._id}-d9-s1-t0`, dayId: `${plan._id}-d9` });

    // Same job, new Nats-Msg-Id: a redelivery that JetStream's deduplication does not catch.
    await publish("plan.generate", generatePayload(plan), command.jobId, `${command.jobId}:again`);
    await queueDrained();
    const again = await contentOf(plan._id);
    expect(again.days.map((d) => d._id)).toEqual(first.days.map((d) => d._id));
    expect(again.tasks.map((t) => t._id)).toEqual(first.tasks.map((t) => t._id));
    expect(again.tasks.map((t) => t.title)).toEqual(first.tasks.map((t) => t.title));
    expect(again.plan?.generationStatus).toBe("succeeded");
  });

  it("a new job with a shorter range regenerates the plan and removes the days it no longer has", async () => {
    const plan = await insertPlan();
    expect(terminal(await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId))?.kind).toBe(
      "succeeded",
    );
    const shorter = { ...generatePayload(plan), endDate: "2025-03-03", dailyMinutes: 30 };
    const events = await eventsOf((await publish("plan.generate", shorter)).jobId);
    const done = terminal(events);
    expect(done?.kind === "succeeded" && done.data.result).toMatchObject({ day_count: 3, task_count: 15 });
    const stored = await contentOf(plan._id);
    expect(stored.days).toHaveLength(3);
    expect(stored.tasks).toHaveLength(15);
    expect(new Set(stored.tasks.map((t) => t.dayId))).toEqual(new Set(stored.days.map((d) => d._id)));
  });

  it("a payload that fails validation fails the job at once: failed event, dead letter, plan failed with the error", async () => {
    const plan = await insertPlan();
    const command = await publish("plan.generate", { ...generatePayload(plan), dailyMinutes: 5 });
    const events = await eventsOf(command.jobId);
    expect(events.map((e) => e.kind)).toEqual(["failed"]);
    const failed = terminal(events);
    expect(failed?.kind === "failed" && failed.data.error.code).toBe("INVALID_PAYLOAD");

    const dead = await h.ctx.nats.jsm.streams.getMessage(STREAMS.deadLetters, {
      last_by_subj: SUBJECTS.deadLetter("ai_generation"),
    });
    expect(dead?.json<JobCommand>().jobId).toBe(command.jobId);
    expect(dead?.header.get(HEADERS.errorCode)).toBe("INVALID_PAYLOAD");

    const stored = await waitFor(async () => {
      const p = (await contentOf(plan._id)).plan;
      return p?.generationStatus === "failed" ? p : undefined;
    });
    expect(stored.lastError).toMatch(/dailyMinutes/);
  });

  it("a plan that does not exist fails the job without a retry", async () => {
    const command = await publish("plan.generate", generatePayload({ ...(await insertPlan()), _id: "missing_plan" }));
    const events = await eventsOf(command.jobId);
    expect(events.map((e) => e.kind)).toEqual(["started", "failed"]);
    const failed = terminal(events);
    expect(failed?.kind === "failed" && failed.data.error).toMatchObject({ code: "NOT_FOUND" });
  });

  it("a range that ends before it starts fails the job and marks the plan failed", async () => {
    const plan = await insertPlan({ startDate: "2025-03-07", endDate: "2025-03-01" });
    const failed = terminal(await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId));
    expect(failed?.kind === "failed" && failed.data.error.code).toBe("INVALID_PAYLOAD");
    expect((await contentOf(plan._id)).plan).toMatchObject({
      generationStatus: "failed",
      lastError: expect.stringMatching(/before/),
    });
  });

  it("regenerates one day's tasks in place: same ids, progress reset, strays removed", async () => {
    const plan = await insertPlan();
    expect(terminal(await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId))?.kind).toBe(
      "succeeded",
    );
    const before = await contentOf(plan._id);
    const dayId = `${plan._id}-d1`;
    const { tasks, days } = h.ctx.mongo.collections;
    await tasks.updateOne({ _id: `${dayId}-s1-t0` }, { $set: { status: "done", timeSpentMinutes: 20 } });
    await days.updateOne({ _id: dayId }, { $set: { status: "in_progress" } });
    const dayTask = before.tasks.find((t) => t.dayId === dayId);
    if (!dayTask) throw new Error("no task");
    await tasks.insertOne({ ...dayTask, _id: `${dayId}-s2-t5`, sectionId: "s2", index: 5 });

    const events = await eventsOf((await publish("plan.day.generate", { planId: plan._id, dayId })).jobId);
    const done = terminal(events);
    expect(done?.kind).toBe("succeeded");
    const result = done?.kind === "succeeded" ? done.data.result : {};
    expect(result).toMatchObject({ plan_id: plan._id, day_id: dayId });
    const dayTaskIds = before.tasks.filter((t) => t.dayId === dayId).map((t) => t._id);
    expect([...(result.task_ids as string[])].sort()).toEqual(dayTaskIds);

    const after = await contentOf(plan._id);
    expect(after.tasks.map((t) => t._id)).toEqual(before.tasks.map((t) => t._id));
    expect(after.tasks.filter((t) => t.dayId === dayId).every((t) => t.status === "todo")).toBe(true);
    expect(after.days.find((d) => d._id === dayId)?.status).toBe("pending");
  });

  it("regenerates one section's tasks, and fails for a section the day does not have", async () => {
    const plan = await insertPlan();
    expect(terminal(await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId))?.kind).toBe(
      "succeeded",
    );
    const before = await contentOf(plan._id);
    const dayId = `${plan._id}-d2`;

    const done = terminal(
      await eventsOf((await publish("plan.tasks.generate", { planId: plan._id, dayId, sectionId: "s2" })).jobId),
    );
    expect(done?.kind === "succeeded" && done.data.result).toEqual({
      plan_id: plan._id,
      task_ids: before.tasks.filter((t) => t.dayId === dayId && t.sectionId === "s2").map((t) => t._id),
    });
    expect((await contentOf(plan._id)).tasks).toHaveLength(before.tasks.length);

    const missing = terminal(
      await eventsOf((await publish("plan.tasks.generate", { planId: plan._id, dayId, sectionId: "s7" })).jobId),
    );
    expect(missing?.kind === "failed" && missing.data.error.code).toBe("NOT_FOUND");
    // An incremental job's failure does not mark the whole plan failed.
    expect((await contentOf(plan._id)).plan?.generationStatus).toBe("succeeded");
  });
});
