import { ApiError } from "@ai-jobs/sdk";
import { describe, expect, it } from "vitest";
import { runBulk, summarize } from "./bulk.js";
import { job } from "./test-job.js";

const conflict = new ApiError({
  status: 409,
  type: "t",
  title: "Conflict",
  code: "CONFLICT",
  detail: "job already finished",
});

describe("bulk actions", () => {
  it("acts on every job a few at a time, and keeps each failure with its reason", async () => {
    let inFlight = 0;
    let most = 0;
    const outcome = await runBulk(["a", "b", "c", "d", "e", "f"], async (id) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (id === "c") throw conflict;
      return job({ job_id: id, status: "cancelled" });
    });
    expect(most).toBeLessThanOrEqual(4);
    expect(outcome.done.map((j) => j.job_id).sort()).toEqual(["a", "b", "d", "e", "f"]);
    expect(outcome.failed).toEqual([{ jobId: "c", reason: "Job already finished (409)" }]);
    expect(summarize("cancel", 6, outcome)).toBe("Cancelled 5 of 6 jobs; 1 failed: c: Job already finished (409)");
    expect(summarize("retry", 1, { done: [job()], failed: [], unauthorized: undefined })).toBe("Retried 1 of 1 job.");
  });

  it("stops at a 401: the session is over", async () => {
    const outcome = await runBulk(["a", "b", "c", "d", "e", "f", "g", "h"], async () => {
      throw new ApiError({ status: 401, type: "t", title: "Unauthorized", code: "UNAUTHORIZED" });
    });
    expect(outcome.unauthorized).toBeInstanceOf(ApiError);
    expect(outcome.failed).toEqual([]);
  });
});
