import { type NatsServer, startNats } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { connectNats, type NatsContext, provision } from "./nats.js";
import { createTokenBudgets } from "./token-budget.js";

const log = createLogger({ service: "budget-test", instanceId: "t", level: "silent" });
let server: NatsServer;
let nats: NatsContext;

beforeAll(async () => {
  server = await startNats();
  nats = await connectNats(server.url, "budget-test", log);
  await provision(nats, { jobsMaxMsgs: 1_000, jobsMaxBytes: 64 * 1024 * 1024 });
});

afterAll(async () => {
  await nats?.nc.close();
  await server?.cleanup();
});

// Noon UTC, so that `resetInMs` is exactly half a day.
const NOON = Date.UTC(2026, 11, 1, 12);
const settings = {
  LLM_DAILY_TOKEN_BUDGET: 1_000,
  LLM_DAILY_TOKEN_BUDGET_TENANTS: new Map([
    ["big", 5_000],
    ["free", 0],
  ]),
};

describe("daily token budgets", () => {
  it("counts what a tenant spent today across replicas, once per charge, and stops it at its budget", async () => {
    const [one, two] = [createTokenBudgets(nats, settings, () => NOON), createTokenBudgets(nats, settings, () => NOON)];
    expect(await one.check("acme")).toEqual({ allowed: true, spent: 0, budget: 1_000, resetInMs: 12 * 3_600_000 });

    await one.charge("acme", 600, "job1:1");
    await two.charge("acme", 300, "job2:1");
    await two.charge("acme", 300, "job2:1"); // the same attempt charged again counts once
    expect(await one.check("acme")).toMatchObject({ allowed: true, spent: 900 });

    await one.charge("acme", 150, "job3:1");
    expect(await two.check("acme")).toMatchObject({ allowed: false, spent: 1_050, budget: 1_000 });
    // Another tenant has its own count; a per-tenant value overrides the default, and 0 means no budget.
    expect(await one.check("globex")).toMatchObject({ allowed: true, spent: 0 });
    await one.charge("big", 1_050, "job4:1");
    expect(await one.check("big")).toMatchObject({ allowed: true, spent: 1_050, budget: 5_000 });
    expect(await one.check("free")).toMatchObject({ allowed: true, budget: undefined });
  });

  it("starts every UTC day from zero", async () => {
    const tomorrow = createTokenBudgets(nats, settings, () => NOON + 24 * 3_600_000);
    expect(await tomorrow.check("acme")).toMatchObject({ allowed: true, spent: 0 });
  });
});
