import { describe, expect, it } from "vitest";
import { baseConfigShape, ConfigError, loadConfig } from "./config.js";

const timeoutsOf = (value: string | undefined) =>
  loadConfig(baseConfigShape, { JOB_TIMEOUTS_MS: value }).JOB_TIMEOUTS_MS;

describe("JOB_TIMEOUTS_MS", () => {
  it("is empty when unset, so the job type registry's limits apply", () => {
    expect(timeoutsOf(undefined)).toEqual({});
    expect(timeoutsOf("")).toEqual({});
  });

  it("reads per-type limits, spaces allowed", () => {
    expect(timeoutsOf("plan.generate=1000, material.ingest = 5000")).toEqual({
      "plan.generate": 1_000,
      "material.ingest": 5_000,
    });
  });

  it("refuses unknown job types, non-positive or non-integer limits, repeats and malformed entries", () => {
    for (const bad of [
      "plan.nope=1000",
      "plan.generate=0",
      "plan.generate=1.5",
      "plan.generate=-1",
      "plan.generate=3000000000",
      "plan.generate=1,plan.generate=2",
      "plan.generate",
    ]) {
      expect(() => timeoutsOf(bad), bad).toThrow(ConfigError);
    }
  });
});
