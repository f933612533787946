import { createIdGenerator, createStorageQuotas, createTokenBudgets } from "@ai-jobs/runtime";
import { type OpenAiTestServer, planRecord } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { generatePayload } from "./testing/fixtures.js";
import { plannerAnswer } from "./testing/llm-answers.js";
import { startPlannerHarness } from "./testing/planner-harness.js";

/**
 * The per-tenant limits as the planner applies them: the daily token budget (checked before a job calls the model,
 * charged after) and the export byte quota (checked before an export, charged with its file).
 */
const LIMITED = "tenant_limited";
const FREE = "tenant_free";
const LIMITS = {
  LLM_DAILY_TOKEN_BUDGET: 0,
  LLM_DAILY_TOKEN_BUDGET_TENANTS: new Map([[LIMITED, 1_000]]),
  UPLOAD_QUOTA_BYTES: 0,
  UPLOAD_QUOTA_BYTES_TENANTS: new Map<string, number>(),
  EXPORT_QUOTA_BYTES: 0,
  EXPORT_QUOTA_BYTES_TENANTS: new Map([[LIMITED, 1_000]]),
};
/** The same limits for every tenant: to read any tenant's count. */
const READ_ALL = { ...LIMITS, LLM_DAILY_TOKEN_BUDGET: 1, EXPORT_QUOTA_BYTES: 1 };
const newId = createIdGenerator();

const h = useHarness(() =>
  startPlannerHarness({
    llm: true,
    instanceId: "planner-budget-test",
    worker: () => ({ limits: LIMITS }),
  }),
);
let llm: OpenAiTestServer;

beforeAll(async () => {
  llm = h.llm;
  llm.setResponder((request) => plannerAnswer(request));
});

async function run(tenant: string, type: "plan.generate" | "plan.export") {
  const plan = planRecord(newId(), tenant, { startDate: "2025-03-01", endDate: "2025-03-02" });
  await h.ctx.mongo.collections.plans.insertOne(plan);
  const jobId = newId();
  const payload = type === "plan.generate" ? generatePayload(plan) : { planId: plan._id, format: "xlsx" as const };
  await h.publishCommand({ tenantId: tenant, type, payload, jobId });
  return { events: await h.eventsOf(tenant, jobId, { timeoutMs: 30_000 }), plan };
}

async function generate(tenant: string) {
  const plan = planRecord(newId(), tenant, { startDate: "2025-03-01", endDate: "2025-03-02" });
  await h.ctx.mongo.collections.plans.insertOne(plan);
  const jobId = newId();
  await h.publishCommand({ tenantId: tenant, type: "plan.generate", payload: generatePayload(plan), jobId });
  return { events: await h.eventsOf(tenant, jobId, { timeoutMs: 30_000 }), plan };
}

describe("daily token budgets in the planner", () => {
  it("charges each tenant with the tokens its model calls reported", async () => {
    const { events } = await generate(FREE);
    expect(events.at(-1)?.kind).toBe("succeeded");
    const reported = llm.requests.length;
    expect(reported).toBeGreaterThan(0);
    // The free tenant has no budget, but what it spends is counted all the same (read here under a budget).
    const spent = await createTokenBudgets(h.ctx.nats, READ_ALL).check(FREE);
    const usage = await h.ctx.mongo.db.collection("llm_usage").find({ tenantId: FREE }).toArray();
    const recorded = usage.reduce((sum, u) => sum + Number(u.promptTokens) + Number(u.completionTokens), 0);
    expect(recorded).toBeGreaterThan(0);
    expect(spent.spent).toBe(recorded);
  });

  it("fails a job of a tenant over its budget with BUDGET_EXCEEDED, before any model call", async () => {
    await createTokenBudgets(h.ctx.nats, LIMITS).charge(LIMITED, 1_000, "spent-elsewhere");
    const before = llm.requests.length;
    const { events, plan } = await generate(LIMITED);
    const last = events.at(-1);
    expect(last?.kind).toBe("failed");
    expect(last?.kind === "failed" && last.data.error.code).toBe("BUDGET_EXCEEDED");
    // Not retried: one attempt, and the model was never asked.
    expect(events.filter((e) => e.kind === "started")).toHaveLength(1);
    expect(llm.requests.length).toBe(before);
    expect(await h.ctx.mongo.collections.plans.findOne({ _id: plan._id })).toMatchObject({
      generationStatus: "failed",
    });
  });
});

describe("export byte quotas in the planner", () => {
  it("charges each tenant with the size of the export it stored", async () => {
    const { events } = await run(FREE, "plan.export");
    const last = events.at(-1);
    expect(last?.kind).toBe("succeeded");
    const size = last?.kind === "succeeded" ? Number((last.data.result as { size: number }).size) : 0;
    expect(size).toBeGreaterThan(0);
    expect((await createStorageQuotas(h.ctx.nats, READ_ALL).check(FREE, "exports")).used).toBe(size);
  });

  it("fails the export of a tenant that stores its quota with QUOTA_EXCEEDED, and counts nothing more", async () => {
    await createStorageQuotas(h.ctx.nats, LIMITS).charge(LIMITED, "exports", 1_000, "earlier-exports");
    const { events } = await run(LIMITED, "plan.export");
    const last = events.at(-1);
    expect(last?.kind === "failed" && last.data.error.code).toBe("QUOTA_EXCEEDED");
    expect((await createStorageQuotas(h.ctx.nats, READ_ALL).check(LIMITED, "exports")).used).toBe(1_000);
  });
});
