import { describe, expect, it } from "vitest";
import { PermanentError, TransientError } from "./errors.js";
import { errorFromHttpStatus, errorFromNetworkFailure, MAX_RETRY_AFTER_MS, parseRetryAfter } from "./http-errors.js";

const classify = (status: number, retryAfter?: string | null) =>
  errorFromHttpStatus(status, { message: `upstream answered ${status}`, retryAfter });

describe("errorFromHttpStatus", () => {
  it("retries 429 after the Retry-After seconds", () => {
    const err = classify(429, "7");
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryAfterMs: 7_000, message: "upstream answered 429" });
  });

  it("retries 429 at the Retry-After HTTP-date", () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const err = classify(429, at) as TransientError;
    // An HTTP-date has whole seconds: up to one second is lost to rounding.
    expect(err.retryAfterMs).toBeGreaterThan(28_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it("leaves the backoff to the job type when 429 carries no usable Retry-After", () => {
    expect((classify(429) as TransientError).retryAfterMs).toBeUndefined();
    expect((classify(429, null) as TransientError).retryAfterMs).toBeUndefined();
    expect((classify(429, "soon") as TransientError).retryAfterMs).toBeUndefined();
  });

  it("treats request timeout, too early and every server error as transient", () => {
    for (const status of [408, 425, 500, 501, 502, 503, 504, 599]) {
      expect(classify(status), String(status)).toBeInstanceOf(TransientError);
      expect(classify(status).code).toBe("UPSTREAM_UNAVAILABLE");
    }
  });

  it("honours Retry-After on a 503 as well", () => {
    expect((classify(503, "2") as TransientError).retryAfterMs).toBe(2_000);
  });

  it("fails every other 4xx, 409 included, as a permanent upstream rejection", () => {
    for (const status of [400, 401, 403, 404, 409, 413, 422]) {
      const err = classify(status);
      expect(err, String(status)).toBeInstanceOf(PermanentError);
      expect(err.code).toBe("UPSTREAM_REJECTED");
    }
  });

  it("keeps the cause for the logs", () => {
    const cause = new Error("body");
    expect(errorFromHttpStatus(500, { message: "x", cause }).cause).toBe(cause);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");

  it("reads delta-seconds, fractional too", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
    expect(parseRetryAfter("1.5", now)).toBe(1_500);
  });

  it("reads an HTTP-date, and a date in the past means now", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
  });

  it("caps a long wait at 10 minutes", () => {
    expect(parseRetryAfter("86400", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
  });

  it("ignores what it cannot read", () => {
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
    expect(parseRetryAfter("later", now)).toBeUndefined();
  });
});

describe("errorFromNetworkFailure", () => {
  it("makes an unreachable upstream a transient failure naming the system error", () => {
    const failure = new TypeError("fetch failed", {
      cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
    });
    const err = errorFromNetworkFailure(failure);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(err.message).toBe("upstream unreachable: fetch failed (ECONNREFUSED)");
    expect(err.cause).toBe(failure);
  });
});
