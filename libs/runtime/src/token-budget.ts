import { STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { z } from "zod";
import { incrementCounter, readCounter } from "./counters.js";
import { perTenantSetting } from "./per-tenant-setting.js";

/** The settings of the daily token budgets, shared by the gateway (which refuses) and the planner (which charges). */
export const tokenBudgetConfigShape = {
  /** Tokens (prompt + completion) one tenant's LLM calls may spend per UTC day (0: no budget). */
  LLM_DAILY_TOKEN_BUDGET: z.coerce.number().int().min(0).default(0),
  /** `acme=2000000,globex=0`: LLM_DAILY_TOKEN_BUDGET for these tenants (0: no budget for that tenant). */
  LLM_DAILY_TOKEN_BUDGET_TENANTS: perTenantSetting,
} as const;

export interface TokenBudgetSettings {
  LLM_DAILY_TOKEN_BUDGET: number;
  LLM_DAILY_TOKEN_BUDGET_TENANTS: ReadonlyMap<string, number>;
}

export interface BudgetCheck {
  /** False once the tenant spent its budget today. */
  allowed: boolean;
  spent: number;
  /** Undefined when the tenant has no budget (then nothing was read). */
  budget: number | undefined;
  /** Until the UTC day ends and the count starts again from zero. */
  resetInMs: number;
}

/** Each tenant's daily LLM token budget: read before LLM work starts, charged with what the calls really spent. */
export interface TokenBudgets {
  check(tenantId: string): Promise<BudgetCheck>;
  /**
   * Adds what one job attempt spent to its tenant's count today. `chargeId` (job and attempt) makes a repeated
   * charge count once (JetStream's duplicate window).
   */
  charge(tenantId: string, tokens: number, chargeId: string): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** `yyyymmdd` of the UTC day `at` falls in: one subject token. */
export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10).replaceAll("-", "");

/**
 * Budgets over the TENANT_USAGE counter stream (`usage.tokens.<tenant>.<yyyymmdd>`, `counters.ts`): a charge is one
 * increment, atomic across every planner replica; a check is one direct get of the day's counter, and none at all
 * for a tenant without a budget. The count is of tokens already spent, so a job that starts under the budget may
 * end over it: the budget stops the next job, not a call midway (the usual way for LLM spend limits).
 */
export function createTokenBudgets(
  nats: { js: JetStreamClient; jsm: JetStreamManager },
  settings: TokenBudgetSettings,
  now: () => number = Date.now,
): TokenBudgets {
  const budgetOf = (tenantId: string): number | undefined => {
    const budget = settings.LLM_DAILY_TOKEN_BUDGET_TENANTS.get(tenantId) ?? settings.LLM_DAILY_TOKEN_BUDGET;
    return budget > 0 ? budget : undefined;
  };
  return {
    async check(tenantId) {
      const at = now();
      const resetInMs = DAY_MS - (at % DAY_MS);
      const budget = budgetOf(tenantId);
      if (budget === undefined) return { allowed: true, spent: 0, budget, resetInMs };
      const spent = await readCounter(nats.jsm, STREAMS.tenantUsage, SUBJECTS.tokensSpent(tenantId, utcDay(at)));
      return { allowed: spent < budget, spent, budget, resetInMs };
    },
    async charge(tenantId, tokens, chargeId) {
      const whole = Math.round(tokens);
      if (!(whole > 0)) return;
      await incrementCounter(nats.js, SUBJECTS.tokensSpent(tenantId, utcDay(now())), whole, { msgId: chargeId });
    },
  };
}
