import { createLogger } from "@ai-jobs/runtime";
import { type EmbeddingsTestServer, startEmbeddingsTestServer } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractiveSummary } from "./extractive.js";
import { createOpenAiSummarizer } from "./openai-summarizer.js";

const TEXT = `Photosynthesis converts light energy into chemical energy in plants.
The light reactions split water and release oxygen. The Calvin cycle fixes carbon dioxide into sugars.
Chlorophyll absorbs mostly red and blue light. Plants store the sugars as starch for later use.`;

let server: EmbeddingsTestServer;
const log = createLogger({ service: "summary-test", instanceId: "t", level: "silent" });
const signal = new AbortController().signal;

beforeAll(async () => {
  server = await startEmbeddingsTestServer();
});
afterAll(async () => {
  await server?.close();
});

const summarizer = () =>
  createOpenAiSummarizer({ apiKey: "k", baseURL: server.url, model: "gpt-test", inputChars: 10_000, log });

describe("document summaries", () => {
  it("the LLM's answer is stored as an llm summary, with its model", async () => {
    const summary = await summarizer().summarize(TEXT, { filename: "p.md", signal });
    expect(summary).toMatchObject({ kind: "llm", model: "gpt-test" });
    expect(summary.text).toMatch(/^Summary: /);
    expect(server.requests.at(-1)?.inputs[0]).toContain("Calvin cycle");
  });

  it("when the LLM keeps failing, the extractive summary is stored instead: never empty", async () => {
    server.fail({ path: "/v1/chat/completions", status: 500, times: 3 });
    const summary = await summarizer().summarize(TEXT, { filename: "p.md", signal });
    expect(summary).toEqual({ kind: "extractive", model: null, text: extractiveSummary(TEXT) });
    expect(summary.text.length).toBeGreaterThan(40);
  });

  it("an extractive summary keeps the most representative sentences in document order, within 1,000 characters", () => {
    const summary = extractiveSummary(TEXT);
    expect(summary).toContain("Calvin cycle");
    expect(TEXT.replace(/\s+/g, " ").indexOf(summary.split(". ")[0] ?? "")).toBeGreaterThanOrEqual(0);
    expect(extractiveSummary(`${"word ".repeat(5_000)}`).length).toBeLessThanOrEqual(1_000);
    expect(extractiveSummary("x").length).toBeGreaterThan(0);
  });
});
