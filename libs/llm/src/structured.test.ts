import { ERROR_CODES } from "@ai-jobs/contracts";
import { PermanentError, TransientError } from "@ai-jobs/runtime";
import { freePort, type OpenAiTestServer, startOpenAiServer, waitFor } from "@ai-jobs/testkit";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { createLlmClient } from "./client.js";
import { LLM_INVALID_OUTPUT } from "./errors.js";
import { createLimiter } from "./limiter.js";
import { completeStructured, type LlmDeps, type StructuredRequest } from "./structured.js";
import type { LlmCallUsage } from "./usage.js";

const Answer = z.object({ days: z.array(z.object({ title: z.string(), minutes: z.number().int() })) });
const VALID = JSON.stringify({
  days: [
    { title: "Cells", minutes: 30 },
    { title: "Energy", minutes: 45 },
  ],
});

let server: OpenAiTestServer;
let deps: LlmDeps;

beforeAll(async () => {
  server = await startOpenAiServer();
  deps = { client: createLlmClient({ apiKey: "test-key", baseURL: server.baseUrl }), tracer: trace.getTracer("test") };
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.setResponder(() => ({ kind: "answer", content: VALID }));
});

function request(overrides: Partial<StructuredRequest<typeof Answer>> = {}): StructuredRequest<typeof Answer> {
  return {
    name: "test_days",
    schema: Answer,
    messages: [{ role: "user", content: "two days please" }],
    settings: { model: "test-model", temperature: 0.2, maxTokens: 500 },
    signal: new AbortController().signal,
    ...overrides,
  };
}

describe("completeStructured against an OpenAI-compatible server, through the openai SDK", () => {
  it("streams a valid answer: parsed value, partial values on the way, usage, and the request it sent", async () => {
    server.script({ kind: "answer", content: VALID, chunks: 6, chunkDelayMs: 5 });
    const partials: unknown[] = [];
    const usage: LlmCallUsage[] = [];
    const answer = await completeStructured(
      deps,
      request({ onPartial: (p) => partials.push(p), partialEveryMs: 0, onUsage: (u) => usage.push(u) }),
    );
    expect(answer).toEqual({ value: JSON.parse(VALID), repaired: false });
    expect(partials.length).toBeGreaterThan(1);
    expect(partials[0]).toMatchObject({ days: expect.any(Array) });

    const sent = server.requests[0]?.body;
    expect(sent).toMatchObject({ model: "test-model", temperature: 0.2, max_tokens: 500, stream: true });
    expect(sent?.response_format).toMatchObject({
      type: "json_schema",
      json_schema: { name: "test_days", strict: true },
    });
    expect(JSON.stringify(sent?.response_format)).toContain('"minutes"');
    const promptTokens = Math.ceil(JSON.stringify(sent?.messages).length / 4);
    expect(usage).toEqual([
      {
        system: "openai",
        model: "test-model",
        promptTokens,
        completionTokens: Math.ceil(VALID.length / 4),
        latencyMs: expect.any(Number),
      },
    ]);
  });

  it("the test server also answers plain (non-streamed) completions, as the SDK reads them", async () => {
    const completion = await deps.client.chat.completions.create({
      model: "plain-model",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe(VALID);
    expect(completion.model).toBe("plain-model");
    expect(completion.usage?.completion_tokens).toBe(Math.ceil(VALID.length / 4));
    expect(server.requests[0]?.body.stream).toBeUndefined();
  });

  it("429 with Retry-After is transient and carries the delay", async () => {
    server.script({ kind: "error", status: 429, headers: { "retry-after": "7" }, message: "slow down" });
    const err = await completeStructured(deps, request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: ERROR_CODES.upstreamUnavailable, retryAfterMs: 7_000 });
    expect((err as Error).message).toMatch(/429.*slow down/);
  });

  it("500 is transient, with no delay of its own", async () => {
    server.script({ kind: "error", status: 500, message: "boom" });
    const err = await completeStructured(deps, request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ retryAfterMs: undefined });
  });

  it("401 and 400 are permanent, with the server's reason in the message", async () => {
    server.script({ kind: "error", status: 401, message: "Incorrect API key provided" });
    const unauthorised = await completeStructured(deps, request()).catch((e: unknown) => e);
    expect(unauthorised).toBeInstanceOf(PermanentError);
    expect(unauthorised).toMatchObject({ code: ERROR_CODES.upstreamRejected });
    expect((unauthorised as Error).message).toBe("LLM request failed with HTTP 401: Incorrect API key provided");

    server.script({ kind: "error", status: 400, message: "model not found" });
    const bad = await completeStructured(deps, request()).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(PermanentError);
    expect((bad as Error).message).toMatch(/HTTP 400: model not found/);
  });

  it("malformed JSON gets one repair call that names the problem; a good second answer is used", async () => {
    server.script({ kind: "answer", content: '{"days": [{"title": "Cells",' }, { kind: "answer", content: VALID });
    const usage: LlmCallUsage[] = [];
    const answer = await completeStructured(deps, request({ onUsage: (u) => usage.push(u) }));
    expect(answer).toEqual({ value: JSON.parse(VALID), repaired: true });
    expect(server.requests).toHaveLength(2);
    const repairMessages = server.requests[1]?.body.messages as Array<{ role: string; content: string }>;
    expect(repairMessages.at(-2)).toEqual({ role: "assistant", content: '{"days": [{"title": "Cells",' });
    expect(repairMessages.at(-1)?.content).toMatch(/not valid JSON/);
    expect(usage).toHaveLength(2);
  });

  it("schema-violating JSON twice is a transient LLM_INVALID_OUTPUT after exactly one repair", async () => {
    const wrong = JSON.stringify({ days: [{ title: "Cells", minutes: "thirty" }] });
    server.setResponder(() => ({ kind: "answer", content: wrong }));
    const err = await completeStructured(deps, request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: LLM_INVALID_OUTPUT });
    expect((err as Error).message).toMatch(/days\.0\.minutes/);
    expect(server.requests).toHaveLength(2);
    const repair = server.requests[1]?.body.messages as Array<{ content: string }>;
    expect(repair.at(-1)?.content).toMatch(/does not match the schema/);
  });

  it("a rule beyond the schema (check) is repaired the same way", async () => {
    const oneDay = JSON.stringify({ days: [{ title: "Cells", minutes: 30 }] });
    server.script({ kind: "answer", content: oneDay }, { kind: "answer", content: VALID });
    const check = (v: z.infer<typeof Answer>) =>
      v.days.length === 2 ? undefined : `give 2 days, not ${v.days.length}`;
    const answer = await completeStructured(deps, request({ check }));
    expect(answer.repaired).toBe(true);
    const repair = server.requests[1]?.body.messages as Array<{ content: string }>;
    expect(repair.at(-1)?.content).toMatch(/give 2 days, not 1/);
  });

  it("a slow answer hits the job's time limit: the signal's reason is thrown and the HTTP request is aborted", async () => {
    server.script({ kind: "hang" });
    const timeout = new AbortController();
    const reason = new TransientError(ERROR_CODES.timeout, "attempt exceeded 300 ms");
    setTimeout(() => timeout.abort(reason), 300);
    const err = await completeStructured(deps, request({ signal: timeout.signal })).catch((e: unknown) => e);
    expect(err).toBe(reason);
    await waitFor(() => server.requests[0]?.aborted === true, { what: "the server to see the request aborted" });
  });

  it("a cancellation mid-stream aborts the stream: partial content seen, request closed before completion", async () => {
    server.script({ kind: "answer", content: VALID, chunks: 40, chunkDelayMs: 30 });
    const cancel = new AbortController();
    const reason = new Error("cancelled");
    const partials: unknown[] = [];
    const err = await completeStructured(
      deps,
      request({
        signal: cancel.signal,
        partialEveryMs: 0,
        onPartial: (p) => {
          partials.push(p);
          cancel.abort(reason);
        },
      }),
    ).catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(partials).toHaveLength(1);
    await waitFor(() => server.requests[0]?.aborted === true, { what: "the server to see the stream aborted" });
    expect(server.requests[0]?.completed).toBe(false);
  });

  it("a stream cut by the server is transient", async () => {
    server.script({ kind: "cut", content: VALID, afterChunks: 3 });
    const err = await completeStructured(deps, request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ code: ERROR_CODES.upstreamUnavailable });
  });

  it("a server that cannot be reached is transient", async () => {
    const client = createLlmClient({ apiKey: "k", baseURL: `http://127.0.0.1:${await freePort()}/v1` });
    const err = await completeStructured({ ...deps, client }, request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/unreachable/);
  });

  it("the limiter keeps at most its limit of calls at the server at once", async () => {
    let open = 0;
    let most = 0;
    server.setResponder(async () => {
      open += 1;
      most = Math.max(most, open);
      await new Promise((r) => setTimeout(r, 30));
      open -= 1;
      return { kind: "answer", content: VALID };
    });
    const limited = { ...deps, limiter: createLimiter(2) };
    await Promise.all(Array.from({ length: 6 }, () => completeStructured(limited, request())));
    expect(server.requests).toHaveLength(6);
    expect(most).toBe(2);
  });
});
