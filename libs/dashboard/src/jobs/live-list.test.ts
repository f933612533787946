import { describe, expect, it } from "vitest";
import { applyEvent, upsert } from "./live-list.js";
import { job } from "./test-job.js";

const event = (name: string, data: Record<string, unknown>) => ({
  id: "7",
  event: name,
  data: { job_id: "01K0000000000000000000000A", ...data },
});

describe("a listed job, changed by its SSE messages", () => {
  it("takes its status from meta, with the times it implies", () => {
    const running = applyEvent(job(), event("meta", { status: "running" }));
    expect(running).toMatchObject({ status: "running", finished_at: null });
    expect(running.started_at).toEqual(expect.any(String));
    const done = applyEvent(running, event("meta", { status: "succeeded" }));
    expect(done).toMatchObject({ status: "succeeded", progress: { pct: 100 } });
    expect(done.finished_at).toEqual(expect.any(String));
    expect(applyEvent(job(), event("meta", { status: "exploded" }))).toEqual(job());
  });

  it("takes progress, result and error", () => {
    expect(
      applyEvent(job(), event("progress", { pct: 40, step: "days", message: "day 2/5 drafted" })).progress,
    ).toEqual({
      pct: 40,
      step: "days",
      message: "day 2/5 drafted",
    });
    // A log line carries a message only: the rest stays.
    const logged = applyEvent(
      job({ progress: { pct: 40, step: "days", message: null } }),
      event("progress", { message: "hi" }),
    );
    expect(logged.progress).toEqual({ pct: 40, step: "days", message: "hi" });
    expect(applyEvent(job(), event("result", { plan_id: "p1" })).result_refs).toEqual({ plan_id: "p1" });
    expect(applyEvent(job(), event("error", { code: "NOT_FOUND", message: "gone" })).last_error).toEqual({
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
