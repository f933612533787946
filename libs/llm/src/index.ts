export { createLlmClient, type LlmClientOptions } from "./client.js";
export { classifyLlmError, LLM_INVALID_OUTPUT } from "./errors.js";
export { createLimiter, type Limiter } from "./limiter.js";
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
export { createUsageMeter, type LlmCallUsage, type UsageMeter, type UsageTotals } from "./usage.js";
