import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, createPlan, planBody, problemOf, startHarness } from "../../test/harness.js";
import { nulAt } from "./no-nul.js";

const h = useHarness(() => startHarness());
let app: FastifyInstance;
let planId: string;

beforeAll(async () => {
  app = await h.app();
  planId = await createPlan(app);
});

/** Found by the fuzz test (routes/fuzz.test.ts): FerretDB failed every query holding a NUL, and the gateway said 500. */
describe("a NUL character in a request", () => {
  const markdownWith = (fields: Record<string, string>) => {
    const body = new FormData();
    body.append("file", new Blob(["# Notes\n\nsome text\n"], { type: "text/markdown" }), "notes.md");
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    return body;
  };
  const cases: Array<
    [string, () => Promise<{ statusCode: number; headers: Record<string, unknown>; json(): unknown }>, string]
  > = [
    [
      "a path parameter",
      () => app.inject({ method: "GET", url: "/api/ai/jobs/a%00b/", headers: auth }),
      "params.job_id",
    ],
    [
      "a query value",
      () => app.inject({ method: "GET", url: "/api/ai/jobs/?type=a%00b", headers: auth }),
      "query.type",
    ],
    [
      "a JSON body field",
      () =>
        app.inject({
          method: "POST",
          url: "/api/ai/study-plans/generate/",
          headers: auth,
          payload: planBody({ goal: "learn\u0000algebra" }),
        }),
      "body.goal",
    ],
    [
      "a multipart field",
      () =>
        app.inject({
          method: "POST",
          url: `/api/ai/study-plans/${planId}/materials/`,
          headers: auth,
          payload: markdownWith({ document_id: "doc\u0000" }),
        }),
      "document_id",
    ],
  ];

  for (const [where, send, field] of cases) {
    it(`in ${where} is a 400 naming the field, and nothing is written`, async () => {
      const before = await h.counts();
      const res = await send();
      expect(res.statusCode).toBe(400);
      const problem = problemOf(res);
      expect(problem.code).toBe("VALIDATION_FAILED");
      expect(problem.errors?.[0]?.field).toBe(field);
      const after = await h.counts();
      // The file stored before the field was read is deleted again; its delete marker stays (as in materials.test.ts).
      expect({ ...after, objectStoreMessages: 0 }).toEqual({ ...before, objectStoreMessages: 0 });
    });
  }

  it("is found however deep a body nests, without recursion", () => {
    let deep: unknown = "x\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nulAt(deep, "body")).toMatch(/^body(\.0)+$/);
    expect(nulAt({ ok: ["fine", { also: 1 }] }, "body")).toBeUndefined();
  });
});
