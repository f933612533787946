import { describe, expect, it } from "vitest";
import { filtersOf, matches, toJobQuery } from "./filters.js";
import { job } from "./test-job.js";

describe("the jobs list's filters", () => {
  it("keeps only known values from the hash query", () => {
    expect(
      filtersOf({ status: "failed", type: "plan.export", queue: "email", priority: "", within: "1h", x: "y" }),
    ).toEqual({ status: "failed", type: "plan.export", within: "1h" });
  });

  it("turns the time window into a since, counted back from now", () => {
    const now = Date.parse("2026-11-01T12:00:00Z");
    expect(toJobQuery({ queue: "ingest", within: "1h" }, now)).toEqual({
      status: undefined,
      type: undefined,
      queue: "ingest",
      priority: undefined,
      since: "2026-11-01T11:00:00.000Z",
    });
    expect(toJobQuery({}, now).since).toBeUndefined();
  });

  it("tells whether a job (changed live) still belongs in the list", () => {
    const now = Date.parse("2026-11-01T10:30:00Z");
    expect(matches({}, job(), now)).toBe(true);
    expect(matches({ status: "queued", priority: "normal" }, job(), now)).toBe(true);
    expect(matches({ status: "running" }, job(), now)).toBe(false);
    expect(matches({ queue: "ingest" }, job(), now)).toBe(false);
    expect(matches({ type: "plan.export" }, job(), now)).toBe(false);
    expect(matches({ within: "1h" }, job(), now)).toBe(true);
    expect(matches({ within: "15m" }, job(), now)).toBe(false);
  });
});
