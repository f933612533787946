import { describe, expect, it } from "vitest";
import { baseConfigShape, ConfigError, jobsPerSubjectLimit, loadConfig } from "./config.js";

describe("per-tenant caps on waiting jobs", () => {
  it("reads overrides and gives JOBS the largest cap as its per-subject limit", () => {
    const config = loadConfig(baseConfigShape, {
      JOBS_MAX_PER_TENANT: "100",
      JOBS_MAX_PER_TENANT_TENANTS: "acme=500, trial=2",
    });
    expect(config.JOBS_MAX_PER_TENANT_TENANTS).toEqual(
      new Map([
        ["acme", 500],
        ["trial", 2],
      ]),
    );
    expect(jobsPerSubjectLimit(config)).toBe(500);
    expect(jobsPerSubjectLimit(loadConfig(baseConfigShape, { JOBS_MAX_PER_TENANT: "100" }))).toBe(100);
  });

  it("refuses at boot a cap of 0, a bad tenant id, a repeat or a non-integer", () => {
    for (const bad of ["trial=0", "bad tenant=5", "acme=1,acme=2", "acme=1.5"]) {
      expect(() => loadConfig(baseConfigShape, { JOBS_MAX_PER_TENANT_TENANTS: bad }), bad).toThrow(ConfigError);
    }
  });
});
