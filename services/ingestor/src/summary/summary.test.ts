import { ERROR_CODES, JOB_TYPES } from "@ai-jobs/contracts";
import { createLlmDeps, createUsageMeter, type UsageMeter } from "@ai-jobs/llm";
import { type BudgetCheck, createLogger, TransientError } from "@ai-jobs/runtime";
import { type OpenAiTestServer, startOpenAiServer, waitFor } from "@ai-jobs/testkit";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { extractiveSummary } from "./extractive.js";
import { createLlmSummarizer } from "./llm-summarizer.js";
import type { SummaryCall } from "./summarizer.js";

const TEXT = `Photosynthesis converts light energy into chemical energy in plants.
The light reactions split water and release oxygen. The Calvin cycle fixes carbon dioxide into sugars.
Chlorophyll absorbs mostly red and blue light. Plants store the sugars as starch for later use.`;
const ANSWER = JSON.stringify({ summary: "  Plants turn light into sugar.  " });
const LAST_ATTEMPT = JOB_TYPES["material.ingest"].maxAttempts;

let server: OpenAiTestServer;
const log = createLogger({ service: "summary-test", instanceId: "t", level: "silent" });

beforeAll(async () => {
  server = await startOpenAiServer();
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.setResponder(() => ({ kind: "answer", content: ANSWER, usage: { prompt_tokens: 90, completion_tokens: 12 } }));
});

const under: BudgetCheck = { allowed: true, spent: 0, budget: undefined, resetInMs: 1_000 };

/** `budget`: what the budget check answers, or the error it fails with. */
function summarizer(opts: { budget?: BudgetCheck | Error; timeoutMs?: number } = {}) {
  const llm = createLlmDeps({ apiKey: "k", baseURL: server.baseUrl, concurrency: 2 }, trace.getTracer("test"));
  const { budget = under } = opts;
  return createLlmSummarizer({
    llm,
    budgets: { check: async () => (budget instanceof Error ? Promise.reject(budget) : budget) },
    settings: { model: "gpt-test", temperature: 0.3, maxTokens: 400 },
    inputChars: 10_000,
    timeoutMs: opts.timeoutMs ?? 10_000,
    log,
  });
}

function call(overrides: Partial<SummaryCall> = {}): SummaryCall & { usage: UsageMeter } {
  return {
    filename: "p.md",
    signal: new AbortController().signal,
    tenantId: "acme",
    attempt: 1,
    usage: createUsageMeter(),
    ...overrides,
  };
}

const extractive = { kind: "extractive", model: null, text: extractiveSummary(TEXT) };

describe("LLM document summaries, through libs/llm", () => {
  it("stores the model's answer as an llm summary, and hands the call's usage to the job's meter", async () => {
    const c = call();
    const summary = await summarizer().summarize(TEXT, c);
    expect(summary).toEqual({ kind: "llm", model: "gpt-test", text: "Plants turn light into sugar." });
    expect(server.requests).toHaveLength(1);
    const body = server.requests[0]?.body;
    expect(body).toMatchObject({ model: "gpt-test", temperature: 0.3, max_tokens: 400, stream: true });
    expect(body?.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "document_summary" } });
    expect(JSON.stringify(body?.messages)).toContain("Calvin cycle");
    expect(c.usage.totals()).toMatchObject({ calls: 1, promptTokens: 90, completionTokens: 12, model: "gpt-test" });
  });

  it("a tenant over its daily token budget gets the extractive summary without a model call", async () => {
    const c = call();
    const summary = await summarizer({
      budget: { allowed: false, spent: 1_200, budget: 1_000, resetInMs: 1_000 },
    }).summarize(TEXT, c);
    expect(summary).toEqual(extractive);
    expect(server.requests).toHaveLength(0);
    expect(c.usage.totals()).toBeUndefined();
  });

  it("a budget that cannot be read is no reason to call the model: a retry, then the extractive summary", async () => {
    const unreadable = new Error("TENANT_USAGE unavailable");
    const err = await summarizer({ budget: unreadable })
      .summarize(TEXT, call({ attempt: 1 }))
      .catch((e: unknown) => e);
    expect(err).toBe(unreadable);
    expect(await summarizer({ budget: unreadable }).summarize(TEXT, call({ attempt: LAST_ATTEMPT }))).toEqual(
      extractive,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("a transient failure is retried with the job; on its last attempt the extractive summary is stored", async () => {
    server.setResponder(() => ({ kind: "error", status: 503, message: "overloaded" }));
    const err = await summarizer()
      .summarize(TEXT, call({ attempt: 1 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(await summarizer().summarize(TEXT, call({ attempt: LAST_ATTEMPT }))).toEqual(extractive);
  });

  it("a permanent failure (a 401) stores the extractive summary at once", async () => {
    server.setResponder(() => ({ kind: "error", status: 401, message: "Incorrect API key provided" }));
    expect(await summarizer().summarize(TEXT, call({ attempt: 1 }))).toEqual(extractive);
    expect(server.requests).toHaveLength(1);
  });

  it("a model slower than the summary's time limit is aborted: a retry, then the extractive summary", async () => {
    server.setResponder(() => ({ kind: "hang" }));
    const err = await summarizer({ timeoutMs: 200 })
      .summarize(TEXT, call({ attempt: 1 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: ERROR_CODES.timeout });
    await waitFor(() => server.requests[0]?.aborted === true, { what: "the request to be aborted" });
    expect(await summarizer({ timeoutMs: 200 }).summarize(TEXT, call({ attempt: LAST_ATTEMPT }))).toEqual(extractive);
  });

  it("a cancelled job is not summarised: the job's reason propagates, even on the last attempt", async () => {
    server.setResponder(() => ({ kind: "hang" }));
    const cancel = new AbortController();
    const reason = new Error("cancelled");
    setTimeout(() => cancel.abort(reason), 100);
    const err = await summarizer()
      .summarize(TEXT, call({ attempt: LAST_ATTEMPT, signal: cancel.signal }))
      .catch((e: unknown) => e);
    expect(err).toBe(reason);
  });
});

describe("extractive summaries", () => {
  it("keep the most representative sentences in document order, within 1,000 characters", () => {
    const summary = extractiveSummary(TEXT);
    expect(summary).toContain("Calvin cycle");
    expect(TEXT.replace(/\s+/g, " ").indexOf(summary.split(". ")[0] ?? "")).toBeGreaterThanOrEqual(0);
    expect(extractiveSummary(`${"word ".repeat(5_000)}`).length).toBeLessThanOrEqual(1_000);
    expect(extractiveSummary("x").length).toBeGreaterThan(0);
  });
});
