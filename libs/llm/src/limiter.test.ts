import { describe, expect, it } from "vitest";
import { createLimiter } from "./limiter.js";

const never = new AbortController().signal;

describe("createLimiter", () => {
  it("serves waiters in arrival order, and a waiter whose signal fires leaves the line without a slot", async () => {
    const limiter = createLimiter(1);
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = limiter.run(never, () => new Promise<void>((r) => (release = r)).then(() => order.push("first")));

    const cancel = new AbortController();
    const reason = new Error("job cancelled");
    const second = limiter.run(cancel.signal, async () => order.push("second"));
    const third = limiter.run(never, async () => order.push("third"));
    expect([limiter.limit, limiter.active, limiter.waiting]).toEqual([1, 1, 2]);

    cancel.abort(reason);
    await expect(second).rejects.toBe(reason);
    expect(limiter.waiting).toBe(1);

    release();
    await Promise.all([first, third]);
    expect(order).toEqual(["first", "third"]);
    expect([limiter.active, limiter.waiting]).toEqual([0, 0]);
  });

  it("frees the slot when the work throws", async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(never, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(never, async () => "next")).toBe("next");
  });
});
