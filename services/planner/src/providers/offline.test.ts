import { describe, expect, it } from "vitest";
import { dayCount } from "../domain/dates.js";
import { createOfflineProvider, splitMinutes } from "./offline.js";
import { topicsOf } from "./topics.js";
import type { DayOutline, PlanBrief, PlanProvider, SectionTasks } from "./types.js";

const brief: PlanBrief = {
  goal: "Learn photosynthesis, cellular respiration and enzymes",
  title: "Biology exam",
  studyContext: null,
  startDate: "2025-02-26",
  endDate: "2025-03-03",
  dailyMinutes: 95,
};
const call = { jobType: "plan.generate", signal: new AbortController().signal };
const wholePlan = (b: PlanBrief) => ({ first: 0, count: dayCount(b.startDate, b.endDate) });

async function draftAll(
  provider: PlanProvider,
  b: PlanBrief,
): Promise<Array<{ day: DayOutline; sections: SectionTasks[] }>> {
  const outline = await provider.draftOutline(b, wholePlan(b), call);
  return Promise.all(outline.map(async (day) => ({ day, sections: await provider.draftDayTasks(b, day, call) })));
}

describe("offline plan provider", () => {
  const provider = createOfflineProvider();

  it("labels its results offline", () => {
    expect(provider.name).toBe("offline");
  });

  it("drafts one day per date of the range, both ends included, across a month end", async () => {
    const outline = await provider.draftOutline(brief, wholePlan(brief), call);
    expect(outline.map((d) => d.date)).toEqual([
      "2025-02-26",
      "2025-02-27",
      "2025-02-28",
      "2025-03-01",
      "2025-03-02",
      "2025-03-03",
    ]);
    expect(outline.map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(outline[0]?.title).toBe("Day 1: Photosynthesis");
    expect(outline[1]?.title).toBe("Day 2: Cellular");
    expect(outline.at(-1)?.title).toMatch(/^Day 6: Review of photosynthesis/);
  });

  it("outlines any range of days exactly as the whole plan has them", async () => {
    const whole = await provider.draftOutline(brief, wholePlan(brief), call);
    expect(await provider.draftOutline(brief, { first: 2, count: 4 }, call)).toEqual(whole.slice(2, 6));
  });

  it("drafts a single day when start and end are the same date", async () => {
    const single = { ...brief, endDate: brief.startDate };
    const outline = await provider.draftOutline(single, wholePlan(single), call);
    expect(outline).toHaveLength(1);
    expect(outline[0]?.title).toBe("Day 1: Photosynthesis");
  });

  it("gives every day two sections of 2–3 tasks whose minutes add up to the daily minutes", async () => {
    for (const dailyMinutes of [15, 37, 95, 600]) {
      for (const { day, sections } of await draftAll(provider, { ...brief, dailyMinutes })) {
        expect(day.sections.map((s) => s.id)).toEqual(["s1", "s2"]);
        expect(sections.map((s) => s.sectionId)).toEqual(["s1", "s2"]);
        for (const s of sections) expect(s.tasks.length).toBeGreaterThanOrEqual(2);
        for (const s of sections) expect(s.tasks.length).toBeLessThanOrEqual(3);
        const tasks = sections.flatMap((s) => s.tasks);
        expect(tasks.reduce((sum, t) => sum + t.estimatedMinutes, 0)).toBe(dailyMinutes);
        for (const t of tasks) expect(t.estimatedMinutes).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("cycles task kinds over read, practice, review and quiz across the plan", async () => {
    const kinds = (await draftAll(provider, brief)).flatMap(({ sections }) =>
      sections.flatMap((s) => s.tasks.map((t) => t.kind)),
    );
    const cycle = ["read", "practice", "review", "quiz"];
    expect(kinds).toEqual(kinds.map((_, i) => cycle[i % 4]));
  });

  it("gives the same plan for the same brief, and a different one for a different goal", async () => {
    const first = await draftAll(provider, brief);
    expect(await draftAll(createOfflineProvider(), { ...brief })).toEqual(first);
    const other = await draftAll(provider, { ...brief, goal: "Master TypeScript generics" });
    expect(other.map((d) => d.day.title)).not.toEqual(first.map((d) => d.day.title));
    expect(other[0]?.sections[0]?.tasks[0]?.title).toContain("TypeScript");
  });

  it("redrafts one section exactly as the whole day drafted it", async () => {
    const [first] = await draftAll(provider, brief);
    if (!first) throw new Error("no day");
    for (const s of first.sections) {
      expect(await provider.draftSectionTasks(brief, first.day, s.sectionId, call)).toEqual(s.tasks);
    }
    expect(await provider.draftSectionTasks(brief, first.day, "s9", call)).toEqual([]);
  });

  it("stops when the job's signal has fired", async () => {
    const aborted = AbortSignal.abort(new Error("cancelled"));
    await expect(
      provider.draftOutline(brief, wholePlan(brief), { jobType: "plan.generate", signal: aborted }),
    ).rejects.toThrow("cancelled");
  });
});

describe("topicsOf", () => {
  it("keeps the goal's meaningful words, in order, without stopwords or repeats, in English and Portuguese", () => {
    expect(topicsOf("Learn the basics of Node.js and SQL, and SQL joins", "x", null)).toEqual([
      "Node.js",
      "SQL",
      "joins",
    ]);
    expect(topicsOf("Quero aprender equações do segundo grau", "x", null)).toEqual(["equações", "segundo", "grau"]);
  });

  it("falls back to the title, then the study context, then a generic topic", () => {
    expect(topicsOf("learn", "Organic chemistry", null)).toEqual(["Organic", "chemistry"]);
    expect(topicsOf("study", "the", "Linear algebra")).toEqual(["Linear", "algebra"]);
    expect(topicsOf("?", "!", null)).toEqual(["fundamentals"]);
  });
});

describe("splitMinutes", () => {
  it("splits by weight and always adds up to the total", () => {
    expect(splitMinutes(100, [1, 1, 2])).toEqual([25, 25, 50]);
    expect(splitMinutes(10, [1, 1, 1])).toEqual([4, 3, 3]);
    for (let total = 15; total < 200; total += 7) {
      expect(splitMinutes(total, [3, 4, 2, 2, 3]).reduce((a, b) => a + b, 0)).toBe(total);
    }
  });
});
