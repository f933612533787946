import { isJobType, type JobType } from "@ai-jobs/contracts";
import { z } from "zod";

/** Per-type time limits of one attempt, overriding `JOB_TYPES[type].timeoutMs`. */
export type JobTimeouts = Partial<Record<JobType, number>>;

/** setTimeout fires at once for a longer delay (it is a signed 32-bit value), so a limit beyond it is refused. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `JOB_TIMEOUTS_MS`: `"plan.generate=1000,material.ingest=5000"`. Unknown job types, non-integers, repeats and
 * limits out of range are configuration errors at boot rather than a limit silently ignored.
 */
export const jobTimeoutsSetting = z
  .string()
  .transform((text, ctx): JobTimeouts => {
    const timeouts: JobTimeouts = {};
    for (const entry of text.split(",").map((e) => e.trim())) {
      if (entry === "") continue;
      const match = /^([^=\s]+)\s*=\s*(\d+)$/.exec(entry);
      const [type, ms] = match ? [match[1] ?? "", Number(match[2])] : ["", Number.NaN];
      if (!match) ctx.addIssue({ code: "custom", message: `"${entry}" is not <job type>=<milliseconds>` });
      else if (!isJobType(type)) ctx.addIssue({ code: "custom", message: `unknown job type "${type}"` });
      else if (type in timeouts) ctx.addIssue({ code: "custom", message: `"${type}" is given twice` });
      else if (!(ms >= 1 && ms <= MAX_TIMER_MS))
        ctx.addIssue({ code: "custom", message: `"${type}" needs a limit from 1 to ${MAX_TIMER_MS} ms` });
      else timeouts[type] = ms;
    }
    return timeouts;
  })
  .default({});
