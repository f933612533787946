import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { mapBounded } from "./bounded.js";

const never = new AbortController().signal;

describe("mapBounded", () => {
  it("keeps at most `limit` items under way and gives the results in input order, whatever finishes first", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapBounded([50, 10, 40, 5, 30, 1, 20], 3, never, async (ms, index) => {
      running += 1;
      peak = Math.max(peak, running);
      await sleep(ms);
      running -= 1;
      return `${index}:${ms}`;
    });
    expect(peak).toBe(3);
    expect(results).toEqual(["0:50", "1:10", "2:40", "3:5", "4:30", "5:1", "6:20"]);
  });

  it("runs one at a time with a limit of 1, in order", async () => {
    const order: number[] = [];
    await mapBounded([3, 1, 2], 1, never, async (n) => {
      order.push(n);
      await sleep(n);
    });
    expect(order).toEqual([3, 1, 2]);
  });

  it("on the first failure starts nothing more, aborts the items in flight and throws that failure", async () => {
    const started: number[] = [];
    const aborted: number[] = [];
    const boom = new Error("boom");
    const run = mapBounded([0, 1, 2, 3, 4, 5], 2, never, async (n, _i, signal) => {
      started.push(n);
      if (n === 1) {
        await sleep(5);
        throw boom;
      }
      try {
        await sleep(1_000, undefined, { signal });
      } catch (err) {
        aborted.push(n);
        throw err;
      }
    });
    await expect(run).rejects.toBe(boom);
    expect(started).toEqual([0, 1]);
    expect(aborted).toEqual([0]);
  });

  it("stops when the caller's signal fires, with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("job cancelled");
    const run = mapBounded([1, 2, 3], 2, controller.signal, (_n, _i, signal) => sleep(1_000, undefined, { signal }));
    setTimeout(() => controller.abort(reason), 5);
    await expect(run).rejects.toBe(reason);
    await expect(mapBounded([1], 1, controller.signal, async () => 1)).rejects.toBe(reason);
  });

  it("gives an empty list for no items", async () => {
    expect(await mapBounded([], 4, never, async () => 1)).toEqual([]);
  });
});
