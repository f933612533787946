import { mapBounded } from "@ai-jobs/runtime";
import { chunkRange, type DayRange, inRange, missingRanges } from "../domain/day-ranges.js";
import { offlineOutline } from "../providers/offline.js";
import type { DayOutline, DraftCall, PlanBrief, PlanProvider } from "../providers/types.js";

/**
 * At most this many days per outline call. An outline day is about 40 output tokens of JSON, so 14 days are about
 * 600: a call takes about as long as one day's tasks (the outline stops being the long pole), stays far below any
 * max_tokens (a year's outline in one call, ~15,000 tokens, was cut off at the default 4,096 and could never
 * succeed), and is short enough for a model to keep count. A fortnight is also a natural unit to pace topics in.
 */
export const OUTLINE_CHUNK_DAYS = 14;

/**
 * Asks per day range: the first, then two re-asks of only the days still missing. A model that stopped short
 * usually finishes a shorter range when asked again; one that gave nothing for the same days three times will not.
 */
export const OUTLINE_ASKS = 3;

export interface OutlineRequest {
  provider: PlanProvider;
  brief: PlanBrief;
  /** Days in the plan. */
  total: number;
  /** Outline calls under way at once. */
  concurrency: number;
  call: DraftCall;
}

export interface DraftedOutline {
  /** One per day of the plan, in order. */
  days: DayOutline[];
  /** Rounds of calls made: 1 when every range was answered in full the first time. */
  asks: number;
  /** Indices of the days the model never outlined, filled in from the template. */
  templated: number[];
}

/**
 * The plan's outline, asked for in ranges of at most OUTLINE_CHUNK_DAYS days (`concurrency` at a time). Days are
 * taken by position in each answer: days beyond the range asked are dropped, and days missing from it are asked for
 * again (those only), up to OUTLINE_ASKS rounds, so a model that miscounts costs a call, not the job.
 *
 * Days still missing after that come from the offline template (`Day <n>: <topic of the goal>`, sections Learn and
 * Practice) rather than failing the job: the count is the one thing the model got wrong, a retry of the whole job
 * would most likely miss the same days again, and the model still writes those days' tasks. The handler logs it and
 * says it in the "outline drafted" event.
 */
export async function draftOutline(req: OutlineRequest): Promise<DraftedOutline> {
  const { provider, brief, total, call } = req;
  const days = Array.from({ length: total }, (): DayOutline | undefined => undefined);
  let missing: DayRange[] = [{ first: 0, count: total }];
  let asks = 0;
  while (missing.length > 0 && asks < OUTLINE_ASKS) {
    asks += 1;
    const ranges = missing.flatMap((range) => chunkRange(range, OUTLINE_CHUNK_DAYS));
    const answers = await mapBounded(ranges, req.concurrency, call.signal, (range, _i, signal) =>
      provider.draftOutline(brief, range, { ...call, signal }),
    );
    ranges.forEach((range, i) => {
      for (const day of answers[i] ?? []) if (inRange(range, day.index)) days[day.index] ??= day;
    });
    missing = missingRanges(total, (index) => days[index] !== undefined);
  }
  const templated = missing.flatMap((range) => offlineOutline(brief, range));
  for (const day of templated) days[day.index] = day;
  return {
    days: days.filter((day): day is DayOutline => day !== undefined),
    asks,
    templated: templated.map((day) => day.index),
  };
}
