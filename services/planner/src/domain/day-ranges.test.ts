import { describe, expect, it } from "vitest";
import { chunkRange, inRange, missingRanges } from "./day-ranges.js";

describe("day ranges", () => {
  it("cuts a range into the fewest even pieces of at most n days", () => {
    expect(chunkRange({ first: 0, count: 30 }, 14)).toEqual([
      { first: 0, count: 10 },
      { first: 10, count: 10 },
      { first: 20, count: 10 },
    ]);
    expect(chunkRange({ first: 5, count: 40 }, 14)).toEqual([
      { first: 5, count: 14 },
      { first: 19, count: 13 },
      { first: 32, count: 13 },
    ]);
    expect(chunkRange({ first: 3, count: 14 }, 14)).toEqual([{ first: 3, count: 14 }]);
    expect(chunkRange({ first: 0, count: 1 }, 14)).toEqual([{ first: 0, count: 1 }]);
    const year = chunkRange({ first: 0, count: 366 }, 14);
    expect(year).toHaveLength(27);
    expect(year.reduce((n, r) => n + r.count, 0)).toBe(366);
    for (const r of year) expect(r.count).toBeLessThanOrEqual(14);
  });

  it("finds the runs of missing days, in order", () => {
    const have = new Set([0, 1, 4, 5, 9]);
    expect(missingRanges(10, (i) => have.has(i))).toEqual([
      { first: 2, count: 2 },
      { first: 6, count: 3 },
    ]);
    expect(missingRanges(3, () => true)).toEqual([]);
    expect(missingRanges(3, () => false)).toEqual([{ first: 0, count: 3 }]);
  });

  it("says whether a day is in a range", () => {
    expect([1, 2, 4, 5].map((i) => inRange({ first: 2, count: 3 }, i))).toEqual([false, true, true, false]);
  });
});
