import { describe, expect, it } from "vitest";
import { ApiError, ConnectionError, describeError, isUnauthorized } from "./errors.js";

describe("what the page says about a failed call", () => {
  it("shows the problem's detail", () => {
    expect(describeError(new ApiError(404, "NOT_FOUND", "job not found", undefined))).toBe("Job not found (404)");
    expect(describeError(new ApiError(502, "HTTP_502", undefined, undefined))).toBe(
      "The request failed: HTTP_502 (502)",
    );
  });

  it("tells when to try again after a 429 or a 503", () => {
    expect(describeError(new ApiError(429, "RATE_LIMITED", "the tenant's request rate was reached", 17))).toBe(
      "Too many requests (RATE_LIMITED): the tenant's request rate was reached. Try again in 17 s.",
    );
    expect(describeError(new ApiError(429, "QUOTA_EXCEEDED", undefined, undefined))).toContain("Try again in a moment");
    expect(describeError(new ApiError(503, "SERVICE_UNAVAILABLE", "the queue is full", 5))).toBe(
      "the queue is full. Try again in 5 s.",
    );
  });

  it("knows a refused credential and an unreachable gateway", () => {
    expect(isUnauthorized(new ApiError(401, "UNAUTHORIZED", undefined, undefined))).toBe(true);
    expect(isUnauthorized(new ApiError(403, "FORBIDDEN", undefined, undefined))).toBe(false);
    expect(describeError(new ConnectionError("Failed to fetch"))).toBe(
      "The gateway could not be reached: Failed to fetch",
    );
  });
});
