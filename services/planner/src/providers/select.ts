import { callSettingsFor, createLlmDeps, type LlmConfig } from "@ai-jobs/llm";
import type { Tracer } from "@opentelemetry/api";
import { createOfflineProvider } from "./offline.js";
import { createOpenAiProvider } from "./openai.js";
import type { PlanProvider } from "./types.js";

/**
 * The provider a deployment runs: the OpenAI-compatible one when `OPENAI_API_KEY` is set (at `OPENAI_BASE_URL`
 * when given), else the offline template generator. One limiter per process caps the calls in flight.
 */
export function providerFromConfig(
  config: LlmConfig & { OFFLINE_STEP_DELAY_MS: number },
  tracer: Tracer,
): PlanProvider {
  if (!config.OPENAI_API_KEY) return createOfflineProvider({ stepDelayMs: config.OFFLINE_STEP_DELAY_MS });
  return createOpenAiProvider({
    llm: createLlmDeps(
      { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, concurrency: config.LLM_CONCURRENCY },
      tracer,
    ),
    settingsFor: (jobType) => callSettingsFor(config, jobType),
    name: callSettingsFor(config, "plan.generate").model,
  });
}
