import { Problem } from "@ai-jobs/contracts";
import { createTokenBudgets } from "@ai-jobs/runtime";
import { useHarness } from "@ai-jobs/testkit/vitest";
import type { FastifyInstance } from "fastify";
import { beforeAll, describe, expect, it } from "vitest";
import { auth, otherAuth, planBody, startHarness } from "../../test/harness.js";

// acme (auth) gets a budget of 1,000 tokens a day; globex (otherAuth) none.
const h = useHarness(() => startHarness({ LLM_DAILY_TOKEN_BUDGET_TENANTS: "acme=1000" }));
let app: FastifyInstance;

beforeAll(async () => {
  app = await h.app();
});

const generate = (headers: Record<string, string>) =>
  app.inject({ method: "POST", url: "/api/ai/study-plans/generate/", headers, payload: planBody() });

describe("the daily token budget at submit (LLM_DAILY_TOKEN_BUDGET)", () => {
  it("accepts LLM jobs while the tenant is under its budget, then answers 429 until the UTC day ends", async () => {
    const budgets = createTokenBudgets(h.ctx.nats, h.config);
    await budgets.charge("acme", 999, "earlier-job:1");
    expect((await generate(auth)).statusCode).toBe(202);

    await budgets.charge("acme", 1, "another-job:1");
    const before = await h.counts();
    const res = await generate(auth);
    expect(res.statusCode).toBe(429);
    const problem = Problem.parse(res.json());
    expect(problem.code).toBe("BUDGET_EXCEEDED");
    expect(problem.detail).toContain("LLM_DAILY_TOKEN_BUDGET");
    const retryAfter = Number(res.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3_600);
    // Refused before anything was written or published.
    expect(await h.counts()).toEqual(before);
  });

  it("leaves a tenant without a budget unaffected", async () => {
    await createTokenBudgets(h.ctx.nats, h.config).charge("globex", 1_000_000, "big-job:1");
    expect((await generate(otherAuth)).statusCode).toBe(202);
  });
});
