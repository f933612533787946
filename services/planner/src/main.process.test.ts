import { planRecord, startTestServers, type TestServers } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TENANT = "tenant_process";

let servers: TestServers;

beforeAll(async () => {
  // NATS with the generated authorization: the service runs as its own user, the harness plays the gateway.
  servers = await startTestServers({ nats: { auth: true } });
});

afterAll(async () => {
  await servers?.close();
});

describe("planner process", () => {
  it("boots, reports ready, generates a plan from a published command, and exits cleanly on SIGTERM", async () => {
    // First on the servers: the planner provisions them from scratch as its own user.
    const planner = await servers.spawn("planner", { env: { SHUTDOWN_TIMEOUT_MS: "10000" } });
    const h = await servers.boot({ service: "gateway" });
    expect(await (await fetch(`${planner.url}/healthz`)).json()).toEqual({ status: "ok" });
    const plan = planRecord(h.newId(), TENANT, {
      title: "Spanish",
      goal: "Spanish verbs and vocabulary",
      startDate: "2025-05-01",
      endDate: "2025-05-03",
      dailyMinutes: 45,
    });
    await h.ctx.mongo.collections.plans.insertOne(plan);
    const { _id: planId, goal, title, studyContext, startDate, endDate, dailyMinutes } = plan;
    await h.publishCommand({
      tenantId: TENANT,
      type: "plan.generate",
      priority: "high",
      payload: { planId, goal, title, studyContext, startDate, endDate, dailyMinutes },
    });
    const done = await h.waitForRecord("plans", { _id: planId, generationStatus: "succeeded" }, { timeoutMs: 20_000 });
    expect(done.provider).toBe("offline");
    expect(await h.count("tasks", { planId })).toBe(15);

    expect(await planner.kill("SIGTERM")).toBe(0);
    expect(h.nats.violations(), "NATS permission violations").toEqual([]);
    expect(planner.logs().some((line) => line.includes("worker stopped"))).toBe(true);
  });
});
