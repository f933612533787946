import { z } from "zod";

/** What one kind of LLM call runs with. */
export interface LlmCallSettings {
  model: string;
  temperature: number;
  maxTokens: number;
}

const CallOverride = z
  .object({
    model: z.string().min(1).optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().min(1).max(200_000).optional(),
  })
  .strict();

/**
 * `LLM_JOB_SETTINGS`: per job type overrides of the defaults, as JSON, e.g.
 * `{"plan.generate":{"model":"gpt-4o","max_tokens":8000},"plan.summary":{"temperature":0.2}}`.
 */
export const llmJobSettingsSetting = z
  .string()
  .default("{}")
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON object of job type → {model, temperature, max_tokens}" });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), CallOverride));

/** The LLM settings a service reads from its environment (see the configuration table in the README). */
export const llmConfigShape = {
  /** Unset: no LLM is called (the planner uses its offline provider). */
  OPENAI_API_KEY: z.string().min(1).optional(),
  /** Any OpenAI-compatible server: vLLM, Ollama (`http://host:11434/v1`), LM Studio, a proxy. */
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  OPENAI_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.4),
  OPENAI_MAX_TOKENS: z.coerce.number().int().min(1).max(200_000).default(4_096),
  LLM_JOB_SETTINGS: llmJobSettingsSetting,
  /** At most this many LLM calls in flight per process, whatever the worker's concurrency. */
  LLM_CONCURRENCY: z.coerce.number().int().min(1).max(1_024).default(4),
} as const;

export interface LlmConfig {
  OPENAI_API_KEY?: string | undefined;
  OPENAI_BASE_URL?: string | undefined;
  OPENAI_MODEL: string;
  OPENAI_TEMPERATURE: number;
  OPENAI_MAX_TOKENS: number;
  LLM_JOB_SETTINGS: Record<string, z.infer<typeof CallOverride>>;
  LLM_CONCURRENCY: number;
}

/** The settings of one job type's calls: its override from `LLM_JOB_SETTINGS` over the defaults. */
export function callSettingsFor(config: LlmConfig, jobType: string): LlmCallSettings {
  const override = config.LLM_JOB_SETTINGS[jobType] ?? {};
  return {
    model: override.model ?? config.OPENAI_MODEL,
    temperature: override.temperature ?? config.OPENAI_TEMPERATURE,
    maxTokens: override.max_tokens ?? config.OPENAI_MAX_TOKENS,
  };
}
