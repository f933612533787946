import { ApiError, ConnectionError } from "@ai-jobs/sdk";
import { describe, expect, it } from "vitest";
import { describeError, isUnauthorized } from "./errors.js";

const apiError = (status: number, code: string, detail?: string, retryAfter?: number) =>
  new ApiError({ status, type: `urn:ai-jobs:problem:${code}`, title: "Title", code, detail, retryAfter });

describe("what the page says about a failed call", () => {
  it("shows the problem's detail, else its title", () => {
    expect(describeError(apiError(404, "NOT_FOUND", "job not found"))).toBe("Job not found (404)");
    expect(describeError(apiError(502, "HTTP_502"))).toBe("Title (502)");
  });

  it("tells when to try again after a 429 or a 503", () => {
    expect(describeError(apiError(429, "RATE_LIMITED", "the tenant's request rate was reached", 17))).toBe(
      "Too many requests (RATE_LIMITED): the tenant's request rate was reached. Try again in 17 s.",
    );
    expect(describeError(apiError(429, "QUOTA_EXCEEDED"))).toContain("Try again in a moment");
    expect(describeError(apiError(503, "SERVICE_UNAVAILABLE", "the queue is full", 5))).toBe(
      "the queue is full. Try again in 5 s.",
    );
  });

  it("knows a refused credential and an unreachable gateway", () => {
    expect(isUnauthorized(apiError(401, "UNAUTHORIZED"))).toBe(true);
    expect(isUnauthorized(apiError(403, "FORBIDDEN"))).toBe(false);
    expect(describeError(new ConnectionError("fetch failed"))).toBe("The gateway could not be reached: fetch failed");
  });
});
