export { createLlmClient, type LlmClientOptions } from "./client.js";
export { createLlmDeps } from "./deps.js";
export { classifyLlmError, LLM_INVALID_OUTPUT } from "./errors.js";
export { createLimiter, type Limiter } from "./limiter.js";
export { type MeteredJob, meteredAttempt, type UsageSinks } from "./metered-attempt.js";
export { parsePartialJson } from "./partial.js";
export {
  callSettingsFor,
  type LlmCallSettings,
  type LlmConfig,
  llmConfigShape,
  llmJobSettingsSetting,
} from "./settings.js";
export {
  type ChatMessage,
  completeStructured,
  type LlmDeps,
  type StructuredAnswer,
  type StructuredRequest,
} from "./structured.js";
export { SummaryAnswer } from "./summary-answer.js";
export { createUsageMeter, type LlmCallUsage, type UsageMeter, type UsageTotals } from "./usage.js";
export { createUsageRepository, ensureUsageIndexes, type UsageRepository } from "./usage-repository.js";
