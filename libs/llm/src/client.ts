import OpenAI from "openai";

export interface LlmClientOptions {
  apiKey: string;
  baseURL?: string | undefined;
}

/**
 * The openai SDK client. Its own retries are off: a failed call fails the job attempt, and the worker retries
 * with the job type's backoff (or the `Retry-After` the server sent), so a retry is visible as a `retrying` event
 * and counts against the job's attempt budget. Time limits come from the job's AbortSignal, not the SDK's timer.
 */
export function createLlmClient(opts: LlmClientOptions): OpenAI {
  return new OpenAI({
    apiKey: opts.apiKey,
    ...(opts.baseURL === undefined ? {} : { baseURL: opts.baseURL }),
    maxRetries: 0,
    // The job's time limit is the real bound; this only guards a call made without a signal.
    timeout: 10 * 60_000,
  });
}

export type { OpenAI };
