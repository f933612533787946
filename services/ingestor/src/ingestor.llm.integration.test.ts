import { LLM_USAGE_COLLECTION, type LlmUsageRecord } from "@ai-jobs/contracts";
import { createHashingEmbedder } from "@ai-jobs/retrieval";
import { createTokenBudgets, type TokenBudgetSettings } from "@ai-jobs/runtime";
import { type OpenAiTestServer, startOpenAiServer } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeEach, describe, expect, it } from "vitest";
import { resultOf, startIngestHarness, TENANT } from "../test/ingest-harness.js";

/**
 * The summary's model call as the ingestor makes it with a key: through libs/llm against an OpenAI-compatible test
 * server, on real NATS (the tenant's daily token counter) and FerretDB (`llm_usage`). Embeddings stay offline here
 * (the hashing embedder), so every request the server sees is a summary call.
 */
const BUDGET = 100_000;
const USAGE = { prompt_tokens: 150, completion_tokens: 25 };
const NOTES = `# Photosynthesis

Photosynthesis converts light energy into chemical energy in plants. The light reactions split water and release
oxygen. The Calvin cycle fixes carbon dioxide into sugars, and plants store the sugars as starch for later use.
`;

let llm: OpenAiTestServer;
const h = useHarness(async () => {
  llm = await startOpenAiServer();
  const started = await startIngestHarness(
    {
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: llm.baseUrl,
      SUMMARY_MODEL: "summary-model",
      LLM_DAILY_TOKEN_BUDGET_TENANTS: `${TENANT}=${BUDGET}`,
    },
    { embedder: createHashingEmbedder(64) },
  );
  started.onClose(() => llm.close());
  return started;
});
/** Reads the tenant's count today (a check reads it only for a tenant with a budget). */
const spentToday = async () => (await createTokenBudgets(h.ctx.nats, h.config).check(TENANT)).spent;

beforeEach(() => {
  llm.requests.length = 0;
  llm.setResponder(() => ({
    kind: "answer",
    content: JSON.stringify({ summary: "Plants turn light into sugar." }),
    usage: USAGE,
  }));
});

async function ingestNotes(filename: string) {
  const fileId = await h.upload(NOTES);
  const document = await h.newDocument(await h.newPlan(), fileId, filename);
  const events = await h.ingest(document, fileId);
  const jobId = events[0]?.jobId ?? "";
  const usage = await h.ctx.mongo.db
    .collection<LlmUsageRecord>(LLM_USAGE_COLLECTION)
    .find({ jobId })
    .sort({ attempt: 1 })
    .toArray();
  return { document, events, jobId, usage, stored: (await h.stateOf(document._id)).document };
}

describe("ingestor: the summary's model call is metered and budgeted like the planner's", () => {
  it("records the call's usage in llm_usage and charges the tenant's daily counter with the reported tokens", async () => {
    const before = await spentToday();
    const { events, jobId, usage, stored } = await ingestNotes("notes.md");

    expect(resultOf(events)).toMatchObject({ summary_kind: "llm" });
    expect(stored?.summary).toEqual({ kind: "llm", model: "summary-model", text: "Plants turn light into sugar." });
    expect(llm.requests).toHaveLength(1);
    expect(usage).toEqual([
      expect.objectContaining({
        _id: `${jobId}:1`,
        tenantId: TENANT,
        type: "material.ingest",
        attempt: 1,
        system: "openai",
        model: "summary-model",
        calls: 1,
        promptTokens: USAGE.prompt_tokens,
        completionTokens: USAGE.completion_tokens,
      }),
    ]);
    expect((await spentToday()) - before).toBe(USAGE.prompt_tokens + USAGE.completion_tokens);
    const tokens = (await h.ctx.metrics.llmTokens.get()).values.filter((v) => v.labels.tenant === TENANT);
    expect(Object.fromEntries(tokens.map((v) => [v.labels.token_type, v.value]))).toEqual({
      input: USAGE.prompt_tokens,
      output: USAGE.completion_tokens,
    });
  });

  it("a tenant over its budget gets no model call, and its document is still ingested with the extractive summary", async () => {
    const settings: TokenBudgetSettings = h.config;
    await createTokenBudgets(h.ctx.nats, settings).charge(TENANT, BUDGET, "spent-elsewhere");
    expect(await spentToday()).toBeGreaterThanOrEqual(BUDGET);

    const { events, usage, stored } = await ingestNotes("over-budget.md");

    expect(llm.requests).toHaveLength(0);
    expect(events.map((e) => e.kind)).not.toContain("retrying");
    expect(resultOf(events)).toMatchObject({ summary_kind: "extractive", unchanged: false });
    expect(stored).toMatchObject({ ingestStatus: "succeeded", summary: { kind: "extractive", model: null } });
    expect(stored?.summary?.text).toContain("Photosynthesis converts light energy");
    expect(usage).toEqual([]);
  });
});
