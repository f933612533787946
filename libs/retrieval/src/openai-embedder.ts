import { type BackoffPolicy, ERROR_CODES } from "@ai-jobs/contracts";
import {
  backoffDelayMs,
  errorFromHttpStatus,
  errorFromNetworkFailure,
  PermanentError,
  TransientError,
} from "@ai-jobs/runtime";
import OpenAI from "openai";
import { z } from "zod";
import { batchCount, type Embedder } from "./embedder.js";
import { abortableSleep } from "./sleep.js";

export interface OpenAiEmbedderOptions {
  apiKey: string;
  /** An OpenAI-compatible endpoint (tests use libs/testkit's server); default: the SDK's. */
  baseURL?: string | undefined;
  model: string;
  dimensions: number;
  /** Inputs per embeddings request. */
  batchSize: number;
  /** Retries of one batch inside the job, on 408/425/429/5xx and network failures, before the job itself retries. */
  maxRetries?: number;
  backoff?: BackoffPolicy;
  /** Per request. */
  timeoutMs?: number;
}

const Response = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

/**
 * Embeddings through the `openai` SDK: `batchSize` texts per request, `dimensions` sent with every request and
 * checked on every answer. Transient failures (429, 5xx, network) are retried with exponential backoff and full
 * jitter, or after the `Retry-After` the API gave; after `maxRetries` the error is classified with
 * `errorFromHttpStatus`, so the worker retries the job later (transient) or fails it for good (other 4xx).
 * The SDK's own retries are off: one retry policy, ours, visible in tests.
 */
export function createOpenAiEmbedder(opts: OpenAiEmbedderOptions): Embedder {
  const client = new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    maxRetries: 0,
    timeout: opts.timeoutMs ?? 60_000,
  });
  const maxRetries = opts.maxRetries ?? 3;
  const backoff = opts.backoff ?? { baseMs: 500, maxMs: 8_000 };
  const name = `openai:${opts.model}:${opts.dimensions}`;

  const embedBatch = async (input: string[], signal: AbortSignal): Promise<number[][]> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const raw = await client.embeddings.create(
          { model: opts.model, input, dimensions: opts.dimensions, encoding_format: "float" },
          { signal },
        );
        return vectorsOf(Response.parse(raw), input.length, opts.dimensions);
      } catch (err) {
        signal.throwIfAborted();
        const classified = classify(err);
        if (classified instanceof PermanentError || attempt > maxRetries) throw classified;
        await abortableSleep(classified.retryAfterMs ?? backoffDelayMs(backoff, attempt), signal);
      }
    }
  };

  return {
    name,
    dimension: opts.dimensions,
    batchSize: opts.batchSize,
    async embed(texts, { signal, onBatch }) {
      const vectors: number[][] = [];
      const total = batchCount(texts.length, opts.batchSize);
      for (let i = 0; i < texts.length; i += opts.batchSize) {
        signal.throwIfAborted();
        // The API refuses empty strings; a chunk is never empty, a query is checked by its route.
        vectors.push(...(await embedBatch(texts.slice(i, i + opts.batchSize), signal)));
        await onBatch?.(i / opts.batchSize + 1, total);
      }
      return vectors;
    },
  };
}

function vectorsOf(response: z.infer<typeof Response>, count: number, dimensions: number): number[][] {
  const vectors = new Array<number[] | undefined>(count);
  for (const item of response.data) vectors[item.index] = item.embedding;
  return Array.from(vectors, (v, i) => {
    if (!v || v.length !== dimensions) {
      throw new TransientError(
        ERROR_CODES.upstreamUnavailable,
        `embeddings answer has no ${dimensions}-dimension vector for input ${i}`,
      );
    }
    return v;
  });
}

function classify(err: unknown): PermanentError | TransientError {
  if (err instanceof PermanentError || err instanceof TransientError) return err;
  if (err instanceof OpenAI.APIConnectionError) return errorFromNetworkFailure(err);
  if (err instanceof OpenAI.APIError && typeof err.status === "number") {
    return errorFromHttpStatus(err.status, {
      retryAfter: err.headers?.get("retry-after") ?? null,
      message: `embeddings request failed with ${err.status}: ${err.message}`,
      cause: err,
    });
  }
  if (err instanceof z.ZodError) {
    return new TransientError(ERROR_CODES.upstreamUnavailable, `malformed embeddings answer: ${err.message}`);
  }
  return errorFromNetworkFailure(err);
}
