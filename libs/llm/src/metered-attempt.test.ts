import { type JobCommand, LLM_USAGE_COLLECTION, type LlmUsageRecord } from "@ai-jobs/contracts";
import { connectMongo, createLogger, createMetrics, type MongoContext } from "@ai-jobs/runtime";
import { type MongoServer, startMongo } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meteredAttempt } from "./metered-attempt.js";
import { createUsageRepository } from "./usage-repository.js";

let server: MongoServer;
let mongo: MongoContext;
const log = createLogger({ service: "usage-test", instanceId: "t", level: "silent" });

beforeAll(async () => {
  server = await startMongo();
  mongo = await connectMongo(server.url, server.dbName);
});

afterAll(async () => {
  await mongo?.client.close();
  await server?.cleanup();
});

const usageOf = (jobId: string) =>
  mongo.db.collection<LlmUsageRecord>(LLM_USAGE_COLLECTION).find({ jobId }).sort({ attempt: 1 }).toArray();
const commandOf = (jobId: string) => ({ jobId, tenantId: "acme", type: "plan.summary" }) as JobCommand;
const call = { system: "openai", model: "m-2025", promptTokens: 100, completionTokens: 20, latencyMs: 7 };

describe("llm_usage records", () => {
  it("a redelivered attempt replaces its own usage record instead of adding one", async () => {
    const repo = createUsageRepository(mongo.db);
    const command = commandOf("job-redelivered");
    const totals = { system: "openai", model: "m", calls: 1, promptTokens: 10, completionTokens: 5, latencyMs: 9 };
    await repo.record(command, 1, totals);
    await repo.record(command, 1, { ...totals, calls: 2, promptTokens: 30 });
    await repo.record(command, 2, totals);
    expect((await usageOf(command.jobId)).map((u) => [u._id, u.calls, u.promptTokens])).toEqual([
      [`${command.jobId}:1`, 2, 30],
      [`${command.jobId}:2`, 1, 10],
    ]);
  });
});

describe("meteredAttempt", () => {
  const sinks = () => {
    const charges: Array<[string, number, string]> = [];
    return {
      charges,
      usage: createUsageRepository(mongo.db),
      metrics: createMetrics({ service: "usage-test", defaultMetrics: false }),
      budgets: {
        charge: async (tenantId: string, tokens: number, chargeId: string) => {
          charges.push([tenantId, tokens, chargeId]);
        },
      },
    };
  };

  it("stores, counts and charges what a failed attempt spent, keyed by job and attempt", async () => {
    const s = sinks();
    const boom = new Error("the model answered nonsense");
    const run = meteredAttempt(s, { command: commandOf("job-failed"), attempt: 2, log }, async (usage) => {
      usage.record(call);
      usage.record({ ...call, completionTokens: 30 });
      throw boom;
    });
    await expect(run).rejects.toBe(boom);
    expect(await usageOf("job-failed")).toEqual([
      expect.objectContaining({
        _id: "job-failed:2",
        tenantId: "acme",
        calls: 2,
        promptTokens: 200,
        completionTokens: 50,
      }),
    ]);
    expect(s.charges).toEqual([["acme", 250, "job-failed:2"]]);
    const tokens = (await s.metrics.llmTokens.get()).values.map((v) => [v.labels.token_type, v.value]);
    expect(Object.fromEntries(tokens)).toEqual({ input: 200, output: 50 });
  });

  it("an attempt that called no model stores and charges nothing", async () => {
    const s = sinks();
    expect(await meteredAttempt(s, { command: commandOf("job-offline"), attempt: 1, log }, async () => "done")).toBe(
      "done",
    );
    expect(await usageOf("job-offline")).toEqual([]);
    expect(s.charges).toEqual([]);
  });
});
