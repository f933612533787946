import { describe, expect, it } from "vitest";
import { type JobEnds, type JobSnapshot, planFollow } from "./job-follower.js";

const lookup = (terminal: Record<string, number>, retry: Record<string, number> = {}) => {
  return async (jobId: string): Promise<JobEnds> => ({ terminalSeq: terminal[jobId], retrySeq: retry[jobId] });
};

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

  it("a job retried after its latest terminal event is followed, even on a resume past that terminal event", async () => {
    // The record still says failed (the projection lags), and the client has seen the first run's end (8).
    const jobs: JobSnapshot[] = [{ jobId: "a", status: "failed", seq: 8 }];
    expect(await planFollow(jobs, 8, lookup({ a: 8 }, { a: 11 }))).toEqual({ preamble: [], pending: ["a"] });
    expect(await planFollow(jobs, 11, lookup({ a: 8 }, { a: 11 }))).toEqual({ preamble: [], pending: ["a"] });
    expect(await planFollow(jobs, undefined, lookup({ a: 8 }, { a: 11 }))).toEqual({ preamble: [], pending: ["a"] });
  });

  it("a job whose retried run has ended too is done once the client has the later terminal event", async () => {
    const jobs: JobSnapshot[] = [{ jobId: "a", status: "succeeded", seq: 20 }];
    expect(await planFollow(jobs, 8, lookup({ a: 20 }, { a: 11 }))).toEqual({ preamble: [], pending: ["a"] });
    expect(await planFollow(jobs, 20, lookup({ a: 20 }, { a: 11 }))).toEqual({ preamble: [], pending: [] });
  });
});
