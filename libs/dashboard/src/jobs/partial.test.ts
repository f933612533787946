import { describe, expect, it } from "vitest";
import { mergePartial } from "./partial.js";

const outline = {
  days: [
    { index: 0, date: "2026-12-01", title: "Vectors", sections: [{ id: "s1", title: "Learn", tasks: [] }] },
    { index: 1, date: "2026-12-02", title: "Matrices", sections: [{ id: "s1", title: "Learn", tasks: [] }] },
  ],
};
const drafted = (index: number, title: string) => ({
  index,
  title,
  sections: [{ title: "Learn", tasks: [{ title: `Read about ${title}`, kind: "read", estimated_minutes: 20 }] }],
});

describe("the drafted content of a plan generation", () => {
  it("builds the days from the outline, then each drafted day, in plan order", () => {
    let days = mergePartial([], outline);
    expect(days.map((d) => d.title)).toEqual(["Vectors", "Matrices"]);
    days = mergePartial(days, { days: [drafted(1, "Matrices")] });
    expect(days[1]?.sections?.[0]?.tasks?.[0]?.title).toBe("Read about Matrices");
    // The outline again (a late duplicate) does not wipe a drafted day.
    days = mergePartial(days, outline);
    expect(days[1]?.sections?.[0]?.tasks).toHaveLength(1);
  });

  it("shows the day a model is writing, until the day is drafted", () => {
    let days = mergePartial([], outline);
    days = mergePartial(days, { day: { index: 0, sections: [{ title: "Learn", tasks: [{ title: "Rea" }] }] } });
    expect(days[0]).toMatchObject({ drafting: true });
    days = mergePartial(days, { days: [drafted(0, "Vectors")] });
    expect(days[0]).toMatchObject({ drafting: false, title: "Vectors" });
  });

  it("ignores what does not fit", () => {
    const days = mergePartial([], outline);
    expect(mergePartial(days, { days: [{ title: "no index" }] })).toEqual(days);
    expect(mergePartial(days, "nonsense")).toEqual(days);
  });
});
