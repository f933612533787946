import { describe, expect, it } from "vitest";
import { href, parseHash } from "./router.js";

describe("the hash routes", () => {
  it("parse a page, an id and a query; the jobs list by default", () => {
    expect(parseHash("")).toEqual({ path: ["jobs"], query: {} });
    expect(parseHash("#/jobs/01K%20X")).toEqual({ path: ["jobs", "01K X"], query: {} });
    expect(parseHash("#/jobs?status=failed&within=1h")).toEqual({
      path: ["jobs"],
      query: { status: "failed", within: "1h" },
    });
  });

  it("are made with only the non-empty query values", () => {
    expect(href("jobs", { status: "failed", type: "", queue: undefined })).toBe("#/jobs?status=failed");
    expect(href("jobs", "01K/1")).toBe("#/jobs/01K%2F1");
    expect(parseHash(href("dead-letters", { queue: "ingest" }))).toEqual({
      path: ["dead-letters"],
      query: { queue: "ingest" },
    });
  });
});
