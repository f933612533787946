import { describe, expect, it } from "vitest";
import { type JobSnapshot, planFollow } from "./job-follower.js";

const lookup = (terminal: Record<string, number>) => async (jobId: string) => terminal[jobId];

describe("planFollow", () => {
  it("without Last-Event-ID, follows every job whose terminal event is in the stream or still to come", async () => {
    const jobs: JobSnapshot[] = [
      { jobId: "a", status: "running", seq: 5 },
      { jobId: "b", status: "succeeded", seq: 9 },
    ];
    expect(await planFollow(jobs, undefined, lookup({ b: 9 }))).toEqual({ preamble: [], pending: ["a", "b"] });
  });

  it("on resume, a job whose terminal event the client already has is done, even if its record still lags", async () => {
    const jobs: JobSnapshot[] = [
      { jobId: "a", status: "running", seq: 5 },
      { jobId: "b", status: "running", seq: 7 },
      { jobId: "c", status: "failed", seq: 12 },
    ];
    expect(await planFollow(jobs, 10, lookup({ a: 8, c: 12 }))).toEqual({ preamble: [], pending: ["b", "c"] });
  });

  it("a finished job with no terminal event left in the stream gets a meta from its record, unless already seen", async () => {
    const jobs: JobSnapshot[] = [
      { jobId: "old", status: "cancelled", seq: 40 },
      { jobId: "older", status: "succeeded", seq: 3 },
    ];
    expect(await planFollow(jobs, undefined, lookup({}))).toEqual({
      preamble: [
        { event: "meta", id: "3", data: { job_id: "older", status: "succeeded" } },
        { event: "meta", id: "40", data: { job_id: "old", status: "cancelled" } },
      ],
      pending: [],
    });
    expect(await planFollow(jobs, 40, lookup({}))).toEqual({ preamble: [], pending: [] });
  });
});
