import { type JobEvent, type ProgressData, STREAMS, type StudyPlan } from "@ai-jobs/contracts";
import { createIdGenerator } from "@ai-jobs/runtime";
import { type OpenAiTestServer, peakConcurrency, planRecord, type RecordedRequest, waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OUTLINE_ASKS } from "./generation/draft-outline.js";
import { generatePayload } from "./testing/fixtures.js";
import { plannerAnswer, plannerOutline, promptDataOf } from "./testing/llm-answers.js";
import { startPlannerHarness } from "./testing/planner-harness.js";

/** plan.generate against the OpenAI-compatible test server (real openai SDK, NATS, FerretDB), days in parallel. */
const TENANT = "tenant_parallel";
const LLM_CONCURRENCY = 3;
const newId = createIdGenerator();

const h = useHarness(() =>
  startPlannerHarness({
    llm: true,
    instanceId: "planner-parallel-test",
    env: { LLM_CONCURRENCY: String(LLM_CONCURRENCY) },
  }),
);
let llm: OpenAiTestServer;

beforeAll(async () => {
  llm = h.llm;
});

beforeEach(() => {
  llm.requests.length = 0;
  llm.setResponder((request) => plannerAnswer(request));
});

async function generate(endDate: string, jobId = newId(), msgId = jobId, plan?: StudyPlan) {
  const record = plan ?? planRecord(newId(), TENANT, { startDate: "2025-03-01", endDate });
  if (!plan) await h.ctx.mongo.collections.plans.insertOne(record);
  await h.publishCommand(
    { tenantId: TENANT, type: "plan.generate", payload: generatePayload(record), jobId },
    { msgId },
  );
  return { plan: record, jobId };
}

const eventsOf = (jobId: string) => h.eventsOf(TENANT, jobId, { timeoutMs: 40_000 });
const progressOf = (events: JobEvent[]) => events.flatMap((e) => (e.kind === "progress" ? [e.data] : []));
const task = (r: RecordedRequest) => promptDataOf(r).task;
const outlineAsks = () =>
  llm.requests
    .filter((r) => task(r) === "outline")
    .map((r) => {
      const data = promptDataOf(r);
      return [data.first_day, data.day_count];
    });
const dayIndexOf = (r: RecordedRequest) => promptDataOf(r).day?.index;
const storedDays = (planId: string) => h.ctx.mongo.collections.days.find({ planId }).sort({ index: 1 }).toArray();
const storedTasks = (planId: string) => h.ctx.mongo.collections.tasks.find({ planId }).sort({ _id: 1 }).toArray();

/** Progress in plan order: pct never goes back, "day k/n drafted" only grows, and carries every day once, in order. */
function expectOrderedProgress(progress: ProgressData[], days: number): void {
  const pcts = progress.map((p) => p.pct ?? -1);
  expect(pcts).toEqual([...pcts].sort((a, b) => a - b));
  expect(progress[0]?.message).toMatch(/^outline drafted/);
  const drafted = progress.filter((p) => p.step === "days");
  const ks = drafted.map((p) => Number(/^day (\d+)\/(\d+) drafted$/.exec(p.message)?.[1]));
  for (let i = 1; i < ks.length; i++) expect(ks[i]).toBeGreaterThan(ks[i - 1] ?? 0);
  expect(drafted.at(-1)?.message).toBe(`day ${days}/${days} drafted`);
  const reported = drafted.flatMap((p) => ((p.partial?.days ?? []) as Array<{ index: number }>).map((d) => d.index));
  expect(reported).toEqual(Array.from({ length: days }, (_, i) => i));
}

describe("plan.generate drafts in parallel, bounded by LLM_CONCURRENCY", () => {
  it("drafts days side by side, never more calls at once than LLM_CONCURRENCY, and reports them in plan order", async () => {
    // Later days answer sooner, so days finish out of order.
    llm.setResponder((request) => {
      const index = dayIndexOf(request);
      if (index === undefined) return plannerAnswer(request);
      return plannerAnswer(request, { delayMs: (12 - index) * 40, chunks: 4, chunkDelayMs: 5 });
    });
    const { plan, jobId } = await generate("2025-03-12");
    const events = await eventsOf(jobId);
    const done = events.at(-1);
    expect(done?.kind === "succeeded" && done.data.result).toMatchObject({ day_count: 12, task_count: 48 });

    const dayCalls = llm.requests.filter((r) => task(r) === "day_tasks");
    expect(dayCalls).toHaveLength(12);
    expect(peakConcurrency(dayCalls)).toBe(LLM_CONCURRENCY);
    const endOf = (index: number) => dayCalls.find((r) => dayIndexOf(r) === index)?.endedAt ?? 0;
    expect(endOf(2)).toBeLessThan(endOf(0));

    const progress = progressOf(events);
    expectOrderedProgress(progress, 12);
    const drafting = progress.filter((p) => p.step === "drafting");
    expect(drafting.length).toBeGreaterThan(0);
    for (const p of drafting)
      expect(p.partial?.day).toMatchObject({ index: expect.any(Number), date: expect.stringMatching(/^2025-03/) });
    expect(await storedTasks(plan._id)).toHaveLength(48);
  });

  it("asks for a long plan's outline in ranges of at most 14 days, side by side, each with its dates", async () => {
    llm.setResponder((request) =>
      task(request) === "outline" ? plannerAnswer(request, { delayMs: 200 }) : plannerAnswer(request),
    );
    const { plan, jobId } = await generate("2025-04-09");
    expect((await eventsOf(jobId)).at(-1)?.kind).toBe("succeeded");

    const outlines = llm.requests.filter((r) => task(r) === "outline");
    expect(outlines.map((r) => promptDataOf(r)).map((d) => [d.first_day, d.day_count, d.from_date, d.to_date])).toEqual(
      [
        [1, 14, "2025-03-01", "2025-03-14"],
        [15, 13, "2025-03-15", "2025-03-27"],
        [28, 13, "2025-03-28", "2025-04-09"],
      ],
    );
    expect(peakConcurrency(outlines)).toBe(3);
    const days = await storedDays(plan._id);
    expect(days.map((d) => d.title)).toEqual(days.map((_, i) => `Topic ${i + 1} of Biology exam`));
    expect(days.at(-1)?.date).toBe("2025-04-09");
  });

  it("a model that writes fewer days than asked: only the missing days are asked for again, the job succeeds at once", async () => {
    llm.setResponder((request) => {
      if (task(request) !== "outline") return plannerAnswer(request);
      const first = promptDataOf(request).first_day;
      return first === 1
        ? plannerOutline(request, 6)
        : first === 7
          ? plannerOutline(request, 2)
          : plannerAnswer(request);
    });
    const { plan, jobId } = await generate("2025-03-10");
    const events = await eventsOf(jobId);
    expect(events.map((e) => e.kind)).not.toContain("retrying");
    expect(events.at(-1)?.kind).toBe("succeeded");
    expect(outlineAsks()).toEqual([
      [1, 10],
      [7, 4],
      [9, 2],
    ]);
    const days = await storedDays(plan._id);
    expect(days.map((d) => d.title)).toEqual(days.map((_, i) => `Topic ${i + 1} of Biology exam`));
    expect(days.map((d) => d.date)).toEqual(days.map((_, i) => `2025-03-${String(i + 1).padStart(2, "0")}`));
    expectOrderedProgress(progressOf(events), 10);
  });

  it("a model that writes more days than asked: the extras are dropped, nothing is asked again", async () => {
    llm.setResponder((request) =>
      task(request) === "outline"
        ? plannerOutline(request, (promptDataOf(request).day_count ?? 0) + 3)
        : plannerAnswer(request),
    );
    const { plan, jobId } = await generate("2025-03-05");
    const done = (await eventsOf(jobId)).at(-1);
    expect(done?.kind === "succeeded" && done.data.result).toMatchObject({ day_count: 5, task_count: 20 });
    expect(outlineAsks()).toEqual([[1, 5]]);
    expect((await storedDays(plan._id)).map((d) => d.title)).toEqual(
      [1, 2, 3, 4, 5].map((k) => `Topic ${k} of Biology exam`),
    );
  });

  it(`a model that never outlines some days: after ${OUTLINE_ASKS} asks they come from the template, and the job succeeds`, async () => {
    llm.setResponder((request) => {
      if (task(request) !== "outline") return plannerAnswer(request);
      return plannerOutline(request, promptDataOf(request).first_day === 1 ? 4 : 0);
    });
    const { plan, jobId } = await generate("2025-03-06");
    const events = await eventsOf(jobId);
    expect(events.at(-1)?.kind).toBe("succeeded");
    expect(outlineAsks()).toEqual([
      [1, 6],
      [5, 2],
      [5, 2],
    ]);
    expect(progressOf(events)[0]?.message).toBe("outline drafted (2 of 6 days from the template: the model gave none)");
    const days = await storedDays(plan._id);
    expect(days.map((d) => d.title)).toEqual([
      "Topic 1 of Biology exam",
      "Topic 2 of Biology exam",
      "Topic 3 of Biology exam",
      "Topic 4 of Biology exam",
      "Day 5: Biology (in practice)",
      "Day 6: Review of photosynthesis, Biology, exam",
    ]);
    // The model still writes the template days' tasks.
    const tasks = await storedTasks(plan._id);
    expect(tasks.find((t) => t._id === `${plan._id}-d5-s1-t0`)?.title).toBe(
      "Read about Day 6: Review of photosynthesis, Biology, exam",
    );
  });

  it("a call that fails for good fails the job at once and aborts the other days' calls in flight", async () => {
    llm.setResponder((request) => {
      const index = dayIndexOf(request);
      if (index === 1) return { kind: "error", status: 401, message: "Incorrect API key provided", delayMs: 100 };
      return index === undefined ? plannerAnswer(request) : plannerAnswer(request, { delayMs: 5_000 });
    });
    const startedAt = performance.now();
    const { jobId } = await generate("2025-03-08");
    const events = await eventsOf(jobId);
    expect(events.map((e) => e.kind)).toEqual(["started", "progress", "failed"]);
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    const dayCalls = llm.requests.filter((r) => task(r) === "day_tasks");
    expect(dayCalls.map(dayIndexOf).sort()).toEqual([0, 1, 2]);
    await waitFor(() => dayCalls.filter((r) => r.aborted).length === 2, { what: "the calls in flight to be aborted" });
  });

  it("a redelivered job drafted in parallel replaces its plan: same ids, new content, strays gone", async () => {
    const { plan, jobId } = await generate("2025-03-09");
    expect((await eventsOf(jobId)).at(-1)?.kind).toBe("succeeded");
    const first = await storedTasks(plan._id);
    const sample = first[0];
    if (!sample) throw new Error("nothing generated");
    await h.ctx.mongo.collections.tasks.insertOne({ ...sample, _id: `${plan._id}-d0-s1-t7`, index: 7 });
    const [day0] = await storedDays(plan._id);
    if (!day0) throw new Error("no day");
    await h.ctx.mongo.collections.days.insertOne({ ...day0, _id: `${plan._id}-d9`, index: 9 });

    llm.setResponder((request) => {
      const answer = plannerAnswer(request, { delayMs: 20 });
      return task(request) === "day_tasks"
        ? { ...answer, content: answer.content.replaceAll("Read about", "Reread") }
        : answer;
    });
    // Same job, new Nats-Msg-Id: a redelivery that JetStream's deduplication does not catch.
    await generate("2025-03-09", jobId, `${jobId}:again`, plan);
    await waitFor(async () => (await h.ctx.nats.jsm.streams.info(STREAMS.jobs)).state.messages === 0, {
      what: "the JOBS queue to drain",
      timeoutMs: 20_000,
    });
    const again = await storedTasks(plan._id);
    expect(again.map((t) => t._id)).toEqual(first.map((t) => t._id));
    expect(again.filter((t) => t.title.startsWith("Reread"))).toHaveLength(9 * 2);
    expect(again.filter((t) => t.title.startsWith("Read about"))).toHaveLength(0);
    expect((await storedDays(plan._id)).map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
