import {
  type ContextChunk,
  JOB_TYPES,
  type JobEvent,
  type JobType,
  LLM_USAGE_COLLECTION,
  type LlmUsageRecord,
  type StudyPlan,
} from "@ai-jobs/contracts";
import { createCancellation, createIdGenerator } from "@ai-jobs/runtime";
import { estimateUsage, type OpenAiTestServer, planRecord, waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { Objm } from "@nats-io/obj";
import ExcelJS from "exceljs";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generatePayload } from "./testing/fixtures.js";
import { NOT_GIVEN_CHUNK, plannerAnswer, promptDataOf } from "./testing/llm-answers.js";
import { startPlannerHarness } from "./testing/planner-harness.js";

const TENANT = "tenant_llm";
const MODEL = "test-planner-model";
const newId = createIdGenerator();

/** The materials the injected retriever "finds" for every query: test input standing in for the RAG library. */
const CHUNKS: ContextChunk[] = [
  { id: "doc1-c0", text: "Chlorophyll absorbs red and blue light and reflects green." },
  { id: "doc1-c3", text: "The Calvin cycle fixes carbon dioxide into sugars." },
];

const h = useHarness(() =>
  startPlannerHarness({
    llm: true,
    instanceId: "planner-llm-test",
    env: {
      OPENAI_MODEL: MODEL,
      LLM_JOB_SETTINGS: JSON.stringify({
        "plan.summary": { model: "summary-model", temperature: 0.1, max_tokens: 300 },
      }),
      JOB_TIMEOUTS_MS: "plan.day.generate=1500",
    },
    worker: () => ({
      concurrency: 2,
      contextK: 2,
      retrieveContext: async (_tenant, planId, query, k) => {
        retrievals.push({ planId, query, k });
        return CHUNKS.slice(0, k);
      },
    }),
  }),
);
let llm: OpenAiTestServer;
const retrievals: Array<{ planId: string; query: string; k: number }> = [];

/** `aijobs_llm_tokens_total` of this tenant and model, by token type. */
async function countedTokens(): Promise<{ input: number; output: number }> {
  const { values } = await h.ctx.metrics.llmTokens.get();
  const of = (type: string) =>
    values.find((v) => v.labels.token_type === type && v.labels.tenant === TENANT && v.labels.model === MODEL)?.value ??
    0;
  return { input: of("input"), output: of("output") };
}

beforeAll(async () => {
  llm = h.llm;
});

beforeEach(() => {
  llm.requests.length = 0;
  llm.setResponder((request) => plannerAnswer(request));
});

async function insertPlan(overrides: Partial<StudyPlan> = {}): Promise<StudyPlan> {
  const plan = planRecord(newId(), TENANT, { ...overrides });
  await h.ctx.mongo.collections.plans.insertOne(plan);
  return plan;
}

async function publish(type: JobType, payload: Record<string, unknown>) {
  return h.publishCommand({ tenantId: TENANT, type, payload });
}

/** The job's events in order up to its terminal one; `onEvent` sees each as it arrives. */
async function eventsOf(jobId: string, onEvent?: (e: JobEvent) => void, timeoutMs = 40_000): Promise<JobEvent[]> {
  return h.eventsOf(TENANT, jobId, { onEvent, timeoutMs });
}

const kinds = (events: JobEvent[]) => events.map((e) => e.kind);
const usageOf = (jobId: string) =>
  h.ctx.mongo.db.collection<LlmUsageRecord>(LLM_USAGE_COLLECTION).find({ jobId }).sort({ attempt: 1 }).toArray();

describe("planner with an OpenAI-compatible model (test server, real openai SDK, real NATS and FerretDB)", () => {
  it("generates a plan with structured output: streamed partial days over progress, chunks in the prompt and cited, usage stored", async () => {
    llm.setResponder((request) => plannerAnswer(request, { chunks: 6, chunkDelayMs: 2 }));
    const plan = await insertPlan();
    const tokensBefore = await countedTokens();
    const command = await publish("plan.generate", generatePayload(plan));
    const events = await eventsOf(command.jobId);
    const done = events.at(-1);
    expect(done?.kind === "succeeded" && done.data.result).toEqual({
      plan_id: plan._id,
      day_count: 4,
      task_count: 16,
      provider: MODEL,
    });

    // Progress says what was drafted, and carries the content as it is written.
    const progress = events.flatMap((e) => (e.kind === "progress" ? [e.data] : []));
    expect(progress.map((p) => p.message)).toEqual(
      expect.arrayContaining(["outline drafted", "day 1/4 drafted", "day 4/4 drafted"]),
    );
    const outline = progress.find((p) => p.message === "outline drafted");
    expect(outline?.partial?.days).toHaveLength(4);
    const dayDone = progress.find((p) => p.message === "day 2/4 drafted");
    expect(dayDone?.partial?.days).toEqual([
      expect.objectContaining({ index: 1, date: "2025-03-02", title: "Topic 2 of Biology exam" }),
    ]);
    // Days stream in side by side; the job sends one of them at a time as it is written.
    const drafting = progress.find((p) => p.step === "drafting");
    expect(drafting?.message).toMatch(/^drafting day [1-4]\/4$/);
    expect(drafting?.partial?.day).toMatchObject({ index: expect.any(Number), title: expect.any(String) });

    // RAG: the chunks are in the prompts, and the tasks cite only the chunks they were given.
    expect(retrievals.filter((r) => r.planId === plan._id).map((r) => r.k)).toEqual([2, 2, 2, 2, 2]);
    expect(retrievals.find((r) => r.planId === plan._id)?.query).toBe("photosynthesis");
    for (const request of llm.requests) {
      expect(promptDataOf(request).context).toEqual(CHUNKS);
      expect(request.body).toMatchObject({ model: MODEL, stream: true, response_format: { type: "json_schema" } });
    }
    const tasks = await h.ctx.mongo.collections.tasks.find({ planId: plan._id }).toArray();
    expect(tasks).toHaveLength(16);
    for (const t of tasks) expect(t.sourceChunkIds).toEqual(["doc1-c0", "doc1-c3"]);
    expect(tasks.flatMap((t) => t.sourceChunkIds ?? [])).not.toContain(NOT_GIVEN_CHUNK);
    const stored = await h.ctx.mongo.collections.plans.findOne({ _id: plan._id });
    expect(stored).toMatchObject({ generationStatus: "succeeded", provider: MODEL, lastError: null });

    // Usage: one record for the attempt, with the tokens the server reported for each of its 5 calls.
    const expected = llm.requests.reduce(
      (sum, r) => {
        const u = estimateUsage(r.body, plannerAnswer(r).content);
        return { prompt: sum.prompt + u.prompt_tokens, completion: sum.completion + u.completion_tokens };
      },
      { prompt: 0, completion: 0 },
    );
    expect(await usageOf(command.jobId)).toEqual([
      expect.objectContaining({
        _id: `${command.jobId}:1`,
        tenantId: TENANT,
        type: "plan.generate",
        system: "openai",
        model: MODEL,
        calls: 5,
        promptTokens: expected.prompt,
        completionTokens: expected.completion,
      }),
    ]);
    // …and the same tokens on the Prometheus counter, by model and tenant.
    const tokensAfter = await countedTokens();
    expect(tokensAfter.input - tokensBefore.input).toBe(expected.prompt);
    expect(tokensAfter.output - tokensBefore.output).toBe(expected.completion);
  });

  it("regenerating a day with the model replaces its tasks, never duplicates them", async () => {
    const plan = await insertPlan();
    expect((await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId)).at(-1)?.kind).toBe(
      "succeeded",
    );
    const { tasks } = h.ctx.mongo.collections;
    const before = await tasks.find({ planId: plan._id }).sort({ _id: 1 }).toArray();
    const dayId = `${plan._id}-d1`;
    await tasks.updateOne({ _id: `${dayId}-s1-t0` }, { $set: { status: "done", timeSpentMinutes: 15 } });

    for (let i = 0; i < 2; i++) {
      const events = await eventsOf((await publish("plan.day.generate", { planId: plan._id, dayId })).jobId);
      expect(events.at(-1)?.kind).toBe("succeeded");
    }
    const after = await tasks.find({ planId: plan._id }).sort({ _id: 1 }).toArray();
    expect(after.map((t) => t._id)).toEqual(before.map((t) => t._id));
    expect(after.find((t) => t._id === `${dayId}-s1-t0`)).toMatchObject({ status: "todo", timeSpentMinutes: 0 });
  });

  it("429 with Retry-After: the job retries after the server's delay, then succeeds", async () => {
    const plan = await insertPlan({ endDate: "2025-03-01" });
    llm.script({ kind: "error", status: 429, headers: { "retry-after": "1" }, message: "Rate limit reached" });
    const events = await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId);
    expect(kinds(events)).toContain("retrying");
    const retrying = events.find((e) => e.kind === "retrying");
    if (retrying?.kind !== "retrying") throw new Error("no retrying event");
    expect(retrying.data.error).toEqual({
      code: "UPSTREAM_UNAVAILABLE",
      message: "LLM request failed with HTTP 429: Rate limit reached",
    });
    // The delay is the server's Retry-After (1 s), not the job type's backoff (full jitter up to 2 s).
    const delayMs = Date.parse(retrying.data.nextAttemptAt) - Date.parse(retrying.at);
    expect(delayMs).toBe(1_000);
    expect(events.at(-1)?.kind).toBe("succeeded");
  });

  it("401 fails the job at once, and the plan shows a clear last_error", async () => {
    const plan = await insertPlan();
    llm.script({ kind: "error", status: 401, message: "Incorrect API key provided: sk-test" });
    const events = await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId);
    expect(kinds(events)).toEqual(["started", "failed"]);
    const stored = await waitFor(async () => {
      const p = await h.ctx.mongo.collections.plans.findOne({ _id: plan._id });
      return p?.generationStatus === "failed" ? p : undefined;
    });
    expect(stored.lastError).toBe("LLM request failed with HTTP 401: Incorrect API key provided: sk-test");
  });

  it("malformed JSON, then schema-violating JSON after the repair: a transient LLM_INVALID_OUTPUT, then success", async () => {
    const plan = await insertPlan({ endDate: "2025-03-01" });
    llm.script(
      { kind: "answer", content: '{"days": [{"title": "Half an' },
      { kind: "answer", content: JSON.stringify({ days: [{ title: "No sections" }] }) },
    );
    const events = await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId);
    const retrying = events.find((e) => e.kind === "retrying");
    expect(retrying?.kind === "retrying" && retrying.data.error.code).toBe("LLM_INVALID_OUTPUT");
    expect(events.at(-1)?.kind).toBe("succeeded");
    const repair = llm.requests[1]?.body.messages as Array<{ role: string; content: string }>;
    expect(repair.at(-1)?.content).toMatch(/not valid JSON/);
  });

  it("a slow answer hits the job's time limit: the HTTP request is aborted and the attempt retried", async () => {
    const plan = await insertPlan({ endDate: "2025-03-01" });
    expect((await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId)).at(-1)?.kind).toBe(
      "succeeded",
    );
    llm.requests.length = 0;
    llm.script({ kind: "hang" });
    const events = await eventsOf(
      (await publish("plan.day.generate", { planId: plan._id, dayId: `${plan._id}-d0` })).jobId,
    );
    const retrying = events.find((e) => e.kind === "retrying");
    expect(retrying?.kind === "retrying" && retrying.data.error).toEqual({
      code: "TIMEOUT",
      message: "attempt exceeded 1500 ms",
    });
    expect(events.at(-1)?.kind).toBe("succeeded");
    expect(llm.requests[0]?.aborted).toBe(true);
  });

  it("a cancellation mid-stream aborts the HTTP stream and ends the job as cancelled", async () => {
    const plan = await insertPlan({ endDate: "2025-03-10" });
    llm.setResponder((request) => plannerAnswer(request, { chunks: 200, chunkDelayMs: 20 }));
    const cancellation = createCancellation(h.ctx.nats.js);
    const command = await publish("plan.generate", generatePayload(plan));
    const events = await eventsOf(command.jobId, (event) => {
      if (event.kind === "progress" && event.data.step === "drafting") {
        void cancellation.request(command.jobId, { tenantId: TENANT, requestedBy: "user_1" });
      }
    });
    expect(events.at(-1)?.kind).toBe("cancelled");
    await waitFor(() => llm.requests.some((r) => r.aborted && !r.completed), {
      what: "the streaming request to be aborted",
    });
  });

  it("plan.summary stores the model's summary, with the job type's own model settings", async () => {
    const plan = await insertPlan({ endDate: "2025-03-02" });
    await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId);
    llm.requests.length = 0;
    const command = await publish("plan.summary", { planId: plan._id });
    const done = (await eventsOf(command.jobId)).at(-1);
    expect(done?.kind === "succeeded" && done.data.result).toEqual({
      plan_id: plan._id,
      provider: MODEL,
      fallback: false,
    });
    expect(llm.requests[0]?.body).toMatchObject({ model: "summary-model", temperature: 0.1, max_tokens: 300 });
    const stored = await h.ctx.mongo.collections.plans.findOne({ _id: plan._id });
    expect(stored?.summary).toMatchObject({ text: "A model summary of Biology exam.", fallback: false });
    expect(await usageOf(command.jobId)).toEqual([expect.objectContaining({ model: "summary-model", calls: 1 })]);
  });

  it("plan.summary stores the deterministic fallback when the model fails on every attempt", async () => {
    const plan = await insertPlan({ endDate: "2025-03-02" });
    await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId);
    llm.setResponder(() => ({ kind: "error", status: 500, message: "upstream down" }));
    const command = await publish("plan.summary", { planId: plan._id });
    const events = await eventsOf(command.jobId);
    expect(kinds(events).filter((k) => k === "retrying")).toHaveLength(JOB_TYPES["plan.summary"].maxAttempts - 1);
    const done = events.at(-1);
    expect(done?.kind === "succeeded" && done.data.result).toEqual({
      plan_id: plan._id,
      provider: "fallback",
      fallback: true,
    });
    const stored = await h.ctx.mongo.collections.plans.findOne({ _id: plan._id });
    expect(stored?.summary?.fallback).toBe(true);
    expect(stored?.summary?.text).toContain('"Biology exam": a 2-day study plan from 2025-03-01 to 2025-03-02');
    expect(stored?.summary?.text).toContain("8 tasks");
  });

  it("plan.export writes an .xlsx into the EXPORTS store and answers with the download path", async () => {
    const plan = await insertPlan({ endDate: "2025-03-02" });
    await eventsOf((await publish("plan.generate", generatePayload(plan))).jobId);
    const command = await publish("plan.export", { planId: plan._id });
    const done = (await eventsOf(command.jobId)).at(-1);
    if (done?.kind !== "succeeded") throw new Error(`export ended ${done?.kind}`);
    expect(done.data.result).toMatchObject({
      plan_id: plan._id,
      export_id: command.jobId,
      filename: `biology-exam-${plan._id}.xlsx`,
      download_path: `/api/ai/exports/${command.jobId}/`,
    });
    const store = await new Objm(h.ctx.nats.js).open("EXPORTS");
    const bytes = await store.getBlob(command.jobId);
    if (!bytes) throw new Error("no export file");
    expect(bytes.length).toBe(done.data.result.size);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("Tasks");
    expect(sheet?.rowCount).toBe(1 + 8);
    expect(sheet?.getRow(2).getCell(4).value).toBe("Read about Topic 1 of Biology exam");
    expect(sheet?.getRow(2).getCell(9).value).toBe("doc1-c0, doc1-c3");
  });
});
