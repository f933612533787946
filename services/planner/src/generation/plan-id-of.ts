import type { JobCommand } from "@ai-jobs/contracts";
import type { Logger } from "@ai-jobs/runtime";

/** The plan a failed job names, for its failure hook: read from the raw payload, since that may be what failed. */
export function planIdOf(command: JobCommand, log: Logger): string | undefined {
  const planId = command.payload.planId;
  if (typeof planId === "string" && planId.length > 0) return planId;
  log.warn(`failed ${command.type} job names no plan; nothing to mark`);
  return undefined;
}
