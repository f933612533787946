import type { TaskKind } from "@ai-jobs/contracts";

/** What a plan is generated from: the plan's own fields, whoever asks (a new plan or a regeneration). */
export interface PlanBrief {
  goal: string;
  title: string;
  studyContext: string | null;
  /** `YYYY-MM-DD`, inclusive. */
  startDate: string;
  /** `YYYY-MM-DD`, inclusive. */
  endDate: string;
  dailyMinutes: number;
}

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
}

export interface SectionTasks {
  sectionId: string;
  tasks: TaskDraft[];
}

/**
 * Writes study plans. The work is split the way a model would do it (an outline, then each day's tasks), so a
 * plan job can report progress per day and the incremental jobs reuse the same calls.
 */
export interface PlanProvider {
  /** Stored on the plan as `provider`: `offline`, or the model name. */
  readonly name: string;
  draftOutline(brief: PlanBrief, signal: AbortSignal): Promise<DayOutline[]>;
  /** Tasks for every section of `day`, in section order. */
  draftDayTasks(brief: PlanBrief, day: DayOutline, signal: AbortSignal): Promise<SectionTasks[]>;
  draftSectionTasks(brief: PlanBrief, day: DayOutline, sectionId: string, signal: AbortSignal): Promise<TaskDraft[]>;
}
