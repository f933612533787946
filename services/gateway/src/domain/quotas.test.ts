import { createStorageQuotas } from "@ai-jobs/runtime";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, createPlan, otherAuth, problemOf, startHarness } from "../../test/harness.js";

// acme (auth) may store 1,000 bytes of uploads and 10 bytes of exports; globex (otherAuth) has no quotas.
const h = useHarness(() =>
  startHarness({ UPLOAD_QUOTA_BYTES_TENANTS: "acme=1000", EXPORT_QUOTA_BYTES_TENANTS: "acme=10" }),
);
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const upload = (planId: string, content: string, headers = auth, fields: Record<string, string> = {}) => {
  const body = new FormData();
  body.append("file", new Blob([content], { type: "text/markdown" }), "notes.md");
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  return app.inject({ method: "POST", url: `/api/ai/study-plans/${planId}/materials/`, headers, payload: body });
};
const used = (tenant: string, kind: "materials" | "exports") =>
  createStorageQuotas(h.ctx.nats, { ...h.config, UPLOAD_QUOTA_BYTES: 1, EXPORT_QUOTA_BYTES: 1 })
    .check(tenant, kind)
    .then((q) => q.used);

describe("byte quotas of uploads and exports", () => {
  it("counts accepted uploads, gives a replaced file's bytes back, and answers 429 once the quota is used", async () => {
    const planId = await createPlan(app);
    const first = await upload(planId, `# A\n\n${"a".repeat(600)}\n`);
    expect(first.statusCode).toBe(202);
    const firstSize = `# A\n\n${"a".repeat(600)}\n`.length;
    expect(await used("acme", "materials")).toBe(firstSize);

    // Replacing the document's file counts the new one and gives the old one back.
    const documentId = (first.json() as { document_id: string }).document_id;
    const replaced = await upload(planId, "# B\n\nshort\n", auth, { document_id: documentId });
    expect(replaced.statusCode).toBe(202);
    expect(await used("acme", "materials")).toBe("# B\n\nshort\n".length);

    // Under the quota the next upload is accepted, even one that ends over it (it is checked before the body).
    expect((await upload(planId, `# C\n\n${"c".repeat(1_200)}\n`)).statusCode).toBe(202);
    const before = await h.counts();
    const refused = await upload(planId, "# D\n\nd\n");
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe("3600");
    const problem = problemOf(refused);
    expect(problem.code).toBe("QUOTA_EXCEEDED");
    expect(problem.detail).toContain("UPLOAD_QUOTA_BYTES");
    expect(await h.counts()).toEqual(before);
  });

  it("refuses an export of a tenant over its export quota, and leaves other tenants alone", async () => {
    const planId = await createPlan(app);
    const exportOf = (id: string, headers = auth) =>
      app.inject({ method: "POST", url: `/api/ai/study-plans/${id}/export/`, headers, payload: {} });
    expect((await exportOf(planId)).statusCode).toBe(202);
    await createStorageQuotas(h.ctx.nats, h.config).charge("acme", "exports", 10, "an-earlier-export:1");
    const refused = await exportOf(planId);
    expect(refused.statusCode).toBe(429);
    expect(problemOf(refused).detail).toContain("EXPORT_QUOTA_BYTES");

    const globexPlan = (
      await app.inject({
        method: "POST",
        url: "/api/ai/study-plans/generate/",
        headers: otherAuth,
        payload: { goal: "Learn Go", start_date: "2026-12-01", end_date: "2026-12-02" },
      })
    ).json() as { id: string };
    await createStorageQuotas(h.ctx.nats, h.config).charge("globex", "exports", 1_000_000, "big-export:1");
    expect((await exportOf(globexPlan.id, otherAuth)).statusCode).toBe(202);
  });
});
