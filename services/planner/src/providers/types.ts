import type { ContextChunk, PlanBrief, TaskKind } from "@ai-jobs/contracts";
import type { UsageMeter } from "@ai-jobs/llm";
import type { DayRange } from "../domain/day-ranges.js";

export type { PlanBrief };

export interface SectionOutline {
  /** Stable within a day (`s1`, `s2`, …): part of every task id. */
  id: string;
  title: string;
}

/** One day of the outline: everything but its tasks. */
export interface DayOutline {
  /** 0-based position in the plan. */
  index: number;
  date: string;
  title: string;
  sections: SectionOutline[];
}

export interface TaskDraft {
  title: string;
  kind: TaskKind;
  estimatedMinutes: number;
  /** Ids of the context chunks the task was built from; only ids the call was given. */
  sourceChunkIds?: string[];
}

export interface SectionTasks {
  sectionId: string;
  tasks: TaskDraft[];
}

/** What every provider call gets besides its subject. */
export interface DraftCall {
  /** The job type the call serves: model, temperature and max tokens are set per job type. */
  jobType: string;
  /** The job's signal: it aborts the model call in flight. */
  signal: AbortSignal;
  /** Chunks of the plan's materials relevant to the call (RAG); tasks cite their ids. */
  context?: ContextChunk[] | undefined;
  /** The answer so far, while it streams in (providers that stream only). */
  onPartial?: ((partial: unknown) => void) | undefined;
  /** Receives the usage of every model call. */
  usage?: UsageMeter | undefined;
}

/** A plan's content, as a summary is written from it. */
export interface PlanContent {
  brief: PlanBrief;
  days: Array<DayOutline & { tasks: Array<TaskDraft & { sectionId: string; status: string }> }>;
}

/**
 * Writes study plans. The work is split the way a model would do it (an outline, then each day's tasks), so a
 * plan job can report progress per day and the incremental jobs reuse the same calls.
 */
export interface PlanProvider {
  /** Stored on the plan as `provider`: `offline`, or the model name. */
  readonly name: string;
  /**
   * How many of its calls one job should have under way at once: a plan's days are drafted this many at a time.
   * A model provider says its process-wide cap (`LLM_CONCURRENCY`), so a job never queues more than that.
   */
  readonly concurrency: number;
  /**
   * The outline of days `range.first` … of the plan, in order: index and date are assigned by position, never read
   * from a model. A model may answer with fewer or more days than asked; the caller keeps those in the range and
   * asks again for the rest.
   */
  draftOutline(brief: PlanBrief, range: DayRange, call: DraftCall): Promise<DayOutline[]>;
  /** Tasks for every section of `day`, in section order. */
  draftDayTasks(brief: PlanBrief, day: DayOutline, call: DraftCall): Promise<SectionTasks[]>;
  draftSectionTasks(brief: PlanBrief, day: DayOutline, sectionId: string, call: DraftCall): Promise<TaskDraft[]>;
  /** A few paragraphs on the plan: what it covers, how it is paced, where the learner stands. */
  summarise(content: PlanContent, call: DraftCall): Promise<string>;
}
