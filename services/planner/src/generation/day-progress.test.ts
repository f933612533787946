import type { ProgressData, StudyTask } from "@ai-jobs/contracts";
import { describe, expect, it } from "vitest";
import type { DayOutline } from "../providers/types.js";
import { createDayProgress } from "./day-progress.js";

const outline = (n: number): DayOutline[] =>
  Array.from({ length: n }, (_, index) => ({
    index,
    date: `2025-03-${String(index + 1).padStart(2, "0")}`,
    title: `Day ${index + 1}`,
    sections: [{ id: "s1", title: "Learn" }],
  }));
const taskOf = (index: number) => ({ _id: `p-d${index}-s1-t0` }) as StudyTask;

/** Runs the days through a tracker in `order`, and gives what it saved and sent, in order. */
async function run(n: number, order: number[]) {
  const log: string[] = [];
  const sent: ProgressData[] = [];
  const days = outline(n);
  const progress = createDayProgress({
    outline: days,
    signal: new AbortController().signal,
    saveTasks: async (tasks) => {
      log.push(`save ${tasks.map((t) => t._id).join(",")}`);
    },
    send: async (update) => {
      log.push(`send ${update.message}`);
      sent.push(update);
    },
  });
  for (const i of order) {
    const day = days[i];
    if (day) await progress.drafted(day, [{ sectionId: "s1", tasks: [] }], [taskOf(i)]);
  }
  return { log, sent };
}

describe("day progress", () => {
  it("sends the same events whatever order the days finish in: the done prefix, every n/10 days, tasks saved first", async () => {
    const inOrder = await run(20, [...Array(20).keys()]);
    const reversed = await run(20, [...Array(20).keys()].reverse());
    const shuffled = await run(20, [3, 1, 0, 2, 19, 7, 5, 4, 6, 8, 10, 9, 11, 13, 12, 15, 14, 16, 18, 17]);
    expect(inOrder.log.slice(0, 4)).toEqual([
      "save p-d0-s1-t0,p-d1-s1-t0",
      "send day 2/20 drafted",
      "save p-d2-s1-t0,p-d3-s1-t0",
      "send day 4/20 drafted",
    ]);
    expect(inOrder.sent.map((p) => p.pct)).toEqual([18, 27, 35, 44, 52, 61, 69, 78, 86, 95]);
    expect(reversed.sent).toEqual(inOrder.sent);
    expect(shuffled.sent).toEqual(inOrder.sent);
    expect(reversed.log).toEqual(inOrder.log);
  });

  it("holds a day done beyond a gap until the gap closes", async () => {
    const { sent } = await run(3, [2, 1]);
    expect(sent).toEqual([]);
    const all = await run(3, [2, 1, 0]);
    expect(
      all.sent.map((p) => [p.message, ((p.partial?.days ?? []) as Array<{ index: number }>).map((d) => d.index)]),
    ).toEqual([
      ["day 1/3 drafted", [0]],
      ["day 2/3 drafted", [1]],
      ["day 3/3 drafted", [2]],
    ]);
  });

  it("sends a streaming day at the pct already reached, at most once a second for the whole job", async () => {
    const days = outline(4);
    const sent: ProgressData[] = [];
    const progress = createDayProgress({
      outline: days,
      signal: new AbortController().signal,
      saveTasks: async () => undefined,
      send: async (update) => {
        sent.push(update);
      },
    });
    const [d0, , d2, d3] = days;
    if (!d0 || !d2 || !d3) throw new Error("no days");
    await progress.drafted(d0, [], []);
    progress.streaming(d3, { sections: [{ section_id: "s1" }] });
    progress.streaming(d2, { sections: [] });
    await progress.drafted(d2, [], []);
    expect(sent.map((p) => [p.step, p.pct, p.message])).toEqual([
      ["days", 31, "day 1/4 drafted"],
      ["drafting", 31, "drafting day 4/4"],
    ]);
    expect(sent[1]?.partial?.day).toEqual({
      index: 3,
      date: "2025-03-04",
      title: "Day 4",
      sections: [{ section_id: "s1" }],
    });
  });

  it("a failed write fails that day's drafting and every later event", async () => {
    const days = outline(2);
    const sent: string[] = [];
    const progress = createDayProgress({
      outline: days,
      signal: new AbortController().signal,
      saveTasks: async () => {
        throw new Error("mongo down");
      },
      send: async (update) => {
        sent.push(update.message);
      },
    });
    const [d0, d1] = days;
    if (!d0 || !d1) throw new Error("no days");
    await expect(progress.drafted(d0, [], [])).rejects.toThrow("mongo down");
    await expect(progress.drafted(d1, [], [])).rejects.toThrow("mongo down");
    expect(sent).toEqual([]);
  });
});
