import { SpanKind } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { cachedRead } from "./cached.js";
import { inLlmSpan, recordLlmUsage } from "./llm.js";
import { createMetrics } from "./metrics.js";

describe("LLM spans and token usage", () => {
  it("puts the gen_ai attributes on a CLIENT span and counts tokens by model, tenant and token type", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const metrics = createMetrics({ service: "planner", defaultMetrics: false });
    const tracer = provider.getTracer("test");

    const answer = await inLlmSpan(tracer, { provider: "openai", model: "gpt-4o-mini" }, async (span) => {
      recordLlmUsage(
        metrics,
        { model: "gpt-4o-mini-2024-07-18", tenant: "acme", inputTokens: 120, outputTokens: 30 },
        span,
      );
      return "plan";
    });
    recordLlmUsage(
      metrics,
      { model: "gpt-4o-mini-2024-07-18", tenant: "acme", inputTokens: 80, outputTokens: 0 },
      undefined,
    );

    expect(answer).toBe("plan");
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("chat gpt-4o-mini");
    expect(span?.kind).toBe(SpanKind.CLIENT);
    expect(span?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.usage.output_tokens": 30,
    });
    const tokens = (await metrics.llmTokens.get()).values.map((v) => [v.labels.token_type, v.value]);
    expect(Object.fromEntries(tokens)).toEqual({ input: 200, output: 30 });
    await provider.shutdown();
  });
});

describe("cachedRead", () => {
  it("reads at most once per period, shares a read in flight, and does not keep a failure", async () => {
    let clock = 0;
    let reads = 0;
    let fail = false;
    const read = cachedRead(
      async () => {
        reads++;
        if (fail) throw new Error("broker down");
        return reads;
      },
      1_000,
      () => clock,
    );
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    clock = 999;
    expect(await read()).toBe(1);
    clock = 1_000;
    fail = true;
    await expect(read()).rejects.toThrow("broker down");
    fail = false;
    expect(await read()).toBe(3);
    expect(reads).toBe(3);
  });
});
