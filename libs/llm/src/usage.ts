/** What one LLM call cost, as returned to the caller and stored per job. */
export interface LlmCallUsage {
  /** `openai` for any OpenAI-compatible server; `offline` for the planner's template generator. */
  system: string;
  /** The model the server says answered (falls back to the requested one). */
  model: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

/** The calls of one job attempt, added up. */
export interface UsageTotals {
  system: string;
  model: string;
  calls: number;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

/** Collects the usage of every call one job attempt makes. */
export interface UsageMeter {
  record(call: LlmCallUsage): void;
  /** Undefined until a call was recorded. */
  totals(): UsageTotals | undefined;
}

export function createUsageMeter(): UsageMeter {
  let totals: UsageTotals | undefined;
  return {
    record(call) {
      totals = {
        system: call.system,
        model: call.model,
        calls: (totals?.calls ?? 0) + 1,
        promptTokens: (totals?.promptTokens ?? 0) + call.promptTokens,
        completionTokens: (totals?.completionTokens ?? 0) + call.completionTokens,
        latencyMs: (totals?.latencyMs ?? 0) + call.latencyMs,
      };
    },
    totals: () => totals,
  };
}
