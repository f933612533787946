import { setTimeout as sleep } from "node:timers/promises";
import type { TaskKind } from "@ai-jobs/contracts";
import { addDays, dayCount } from "../domain/dates.js";
import type { DayRange } from "../domain/day-ranges.js";
import { deterministicSummary } from "../domain/summary.js";
import { capitalise, topicsOf } from "./topics.js";
import type {
  DayOutline,
  DraftCall,
  PlanBrief,
  PlanProvider,
  SectionOutline,
  SectionTasks,
  TaskDraft,
} from "./types.js";

export const OFFLINE_PROVIDER = "offline";

const SECTIONS: readonly SectionOutline[] = [
  { id: "s1", title: "Learn" },
  { id: "s2", title: "Practice" },
];

/** Task kinds follow this cycle across the whole plan. */
const KIND_CYCLE = ["read", "practice", "review", "quiz"] as const satisfies readonly TaskKind[];
type CycleKind = (typeof KIND_CYCLE)[number];

/** Relative share of a day's minutes: practice takes longest, reviews and quizzes are short. */
const KIND_WEIGHT: Record<CycleKind, number> = { read: 3, practice: 4, review: 2, quiz: 2 };

/** Two sections of 2–3 tasks: five tasks a day, so the kind cycle position of any task is known from its day. */
const TASKS_PER_DAY = 5;

const TITLES: Record<CycleKind, readonly [(t: string) => string, (t: string) => string]> = {
  read: [(t) => `Read an introduction to ${t}`, (t) => `Read worked examples of ${t}`],
  practice: [(t) => `Practise ${t} with short exercises`, (t) => `Apply ${t} to a small problem`],
  review: [(t) => `Review your notes on ${t}`, (t) => `Summarise ${t} in your own words`],
  quiz: [(t) => `Quiz yourself on ${t}`, (t) => `Answer recall questions on ${t}`],
};

const PHASES = ["in practice", "going deeper", "mastery"] as const;

const pick = <T>(items: readonly T[], i: number): T => {
  const item = items[((i % items.length) + items.length) % items.length];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
};

export interface OfflineProviderOptions {
  /**
   * Simulated model latency per drafted day (0: none). Lets demos, benchmarks and crash tests see a job mid-run,
   * the way a real LLM call would take time; it honours the abort signal like a real call.
   */
  stepDelayMs?: number;
}

/**
 * The deterministic template generator that runs when no model is configured: the same brief always gives the
 * same plan, with no randomness and no clock. Days cover the date range (inclusive), one topic of the goal each,
 * with a closing review day; each day's task minutes add up to `dailyMinutes`.
 */
export function createOfflineProvider(opts: OfflineProviderOptions = {}): PlanProvider {
  const think = async (signal: AbortSignal) => {
    if (opts.stepDelayMs) await sleep(opts.stepDelayMs, undefined, { signal });
  };
  /** Labels what the offline provider did as usage, so every job has a usage record: no tokens. */
  const metered = async <T>(call: DraftCall, work: () => Promise<T>): Promise<T> => {
    call.signal.throwIfAborted();
    const startedAt = performance.now();
    const result = await work();
    call.usage?.record({
      system: OFFLINE_PROVIDER,
      model: OFFLINE_PROVIDER,
      promptTokens: 0,
      completionTokens: 0,
      latencyMs: Math.round(performance.now() - startedAt),
    });
    return result;
  };
  return {
    name: OFFLINE_PROVIDER,
    // It computes in microseconds; its only latency is the simulated one, which demos and crash tests rely on to
    // see a plan drafted at a known pace (days × stepDelayMs), so one day at a time.
    concurrency: 1,
    draftOutline: (brief, range, call) => metered(call, async () => offlineOutline(brief, range)),
    draftDayTasks: (brief, day, call) =>
      metered(call, async () => {
        await think(call.signal);
        return dayTasks(brief, day);
      }),
    draftSectionTasks: (brief, day, sectionId, call) =>
      metered(call, async () => {
        await think(call.signal);
        return dayTasks(brief, day).find((s) => s.sectionId === sectionId)?.tasks ?? [];
      }),
    summarise: (content, call) => metered(call, async () => deterministicSummary(content)),
  };
}

/**
 * The template outline of days `range.first` … of a plan: `Day <n>: <Topic>`, sections Learn and Practice. The
 * offline provider's outline, and what `plan.generate` falls back to for days a model would not outline.
 */
export function offlineOutline(brief: PlanBrief, range: DayRange): DayOutline[] {
  return Array.from({ length: range.count }, (_, i) => {
    const index = range.first + i;
    return {
      index,
      date: addDays(brief.startDate, index),
      title: `Day ${index + 1}: ${capitalise(dayTopic(brief, index).label)}`,
      sections: SECTIONS.map((s) => ({ ...s })),
    };
  });
}

/** The topic of one day: a goal word per day in turn, each pass a phase further, and a review on the last day. */
function dayTopic(brief: PlanBrief, index: number): { subject: string; label: string } {
  const topics = topicsOf(brief.goal, brief.title, brief.studyContext);
  const days = dayCount(brief.startDate, brief.endDate);
  if (days > 1 && index === days - 1) {
    const subject = topics.slice(0, 3).join(", ");
    return { subject, label: `review of ${subject}` };
  }
  const subject = pick(topics, index);
  const pass = Math.floor(index / topics.length);
  return { subject, label: pass === 0 ? subject : `${subject} (${pick(PHASES, Math.min(pass, PHASES.length) - 1)})` };
}

function dayTasks(brief: PlanBrief, day: DayOutline): SectionTasks[] {
  const { subject } = dayTopic(brief, day.index);
  // Section p holds 2 or 3 tasks, alternating by day; with two sections that is always TASKS_PER_DAY.
  const sizes = day.sections.map((_, p) => 2 + ((day.index + p) % 2));
  const kinds = Array.from({ length: sizes.reduce((a, b) => a + b, 0) }, (_, k) =>
    pick(KIND_CYCLE, day.index * TASKS_PER_DAY + k),
  );
  const minutes = splitMinutes(
    brief.dailyMinutes,
    kinds.map((k) => KIND_WEIGHT[k]),
  );
  let ordinal = 0;
  return day.sections.map((section, p) => ({
    sectionId: section.id,
    tasks: Array.from({ length: pick(sizes, p) }, (): TaskDraft => {
      const k = ordinal++;
      const kind = pick(kinds, k);
      const variant = Math.floor((day.index * TASKS_PER_DAY + k) / KIND_CYCLE.length) % 2;
      return { title: pick(TITLES[kind], variant)(subject), kind, estimatedMinutes: pick(minutes, k) };
    }),
  }));
}

/**
 * Splits `total` minutes by weight with the largest-remainder method, so the parts add up to exactly `total`.
 * Every part is at least 1 minute (a total below the number of parts cannot add up).
 */
export function splitMinutes(total: number, weights: readonly number[]): number[] {
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / weightSum);
  const parts = exact.map((x) => Math.floor(x));
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  let missing = total - parts.reduce((a, b) => a + b, 0);
  for (const { i } of byRemainder) {
    if (missing <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    missing -= 1;
  }
  return parts.map((m) => Math.max(1, m));
}
