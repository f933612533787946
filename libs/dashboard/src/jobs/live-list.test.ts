import type { WatchEvent } from "@ai-jobs/sdk";
import { describe, expect, it } from "vitest";
import { applyEvent, upsert } from "./live-list.js";
import { job } from "./test-job.js";

const base = { id: "7", job_id: "01K0000000000000000000000A" };
const meta = (status: "running" | "succeeded"): WatchEvent => ({ ...base, type: "meta", status });

describe("a listed job, changed by its SSE events", () => {
  it("takes its status from meta, with the times it implies", () => {
    const running = applyEvent(job(), meta("running"));
    expect(running).toMatchObject({ status: "running", finished_at: null });
    expect(running.started_at).toEqual(expect.any(String));
    const done = applyEvent(running, meta("succeeded"));
    expect(done).toMatchObject({ status: "succeeded", progress: { pct: 100 } });
    expect(done.finished_at).toEqual(expect.any(String));
  });

  it("takes progress, result and error", () => {
    const progress: WatchEvent = { ...base, type: "progress", pct: 40, step: "days", message: "day 2/5 drafted" };
    expect(applyEvent(job(), progress).progress).toEqual({ pct: 40, step: "days", message: "day 2/5 drafted" });
    // A log line carries a message only: the rest stays.
    const logged = applyEvent(job({ progress: { pct: 40, step: "days", message: null } }), {
      ...base,
      type: "progress",
      message: "hi",
    });
    expect(logged.progress).toEqual({ pct: 40, step: "days", message: "hi" });
    expect(applyEvent(job(), { ...base, type: "result", result: { plan_id: "p1" } }).result_refs).toEqual({
      plan_id: "p1",
    });
    expect(applyEvent(job(), { ...base, type: "error", code: "NOT_FOUND", message: "gone" }).last_error).toEqual({
      code: "NOT_FOUND",
      message: "gone",
    });
  });

  it("is put in newest first, replaced, or taken out", () => {
    const a = job({ job_id: "01K000000000000000000000AA" });
    const b = job({ job_id: "01K000000000000000000000BB" });
    expect(upsert([a], b, true).map((j) => j.job_id)).toEqual([b.job_id, a.job_id]);
    expect(upsert([b, a], { ...a, status: "failed" }, true).map((j) => j.status)).toEqual(["queued", "failed"]);
    expect(upsert([b, a], a, false)).toEqual([b]);
  });
});
