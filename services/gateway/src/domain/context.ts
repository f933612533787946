import type { Logger, Principal } from "@ai-jobs/runtime";

/** The logger a use case writes to: the request's child logger, bound to its request id. */
export type Log = Pick<Logger, "debug" | "info" | "warn" | "error">;

/** Who asks, and where to log: the first argument of every use case. */
export interface Caller {
  principal: Principal;
  log: Log;
}
