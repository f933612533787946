import type { StudyDay, StudyTask } from "@ai-jobs/contracts";
import type { DayOutline, SectionTasks, TaskDraft } from "../providers/types.js";
import { dayId, taskId } from "./ids.js";

export interface PlanRef {
  tenantId: string;
  planId: string;
}

/** A drafted day as stored: a fresh day is pending. */
export function toStudyDay(ref: PlanRef, day: DayOutline): StudyDay {
  return {
    _id: dayId(ref.planId, day.index),
    tenantId: ref.tenantId,
    planId: ref.planId,
    index: day.index,
    date: day.date,
    title: day.title,
    sections: day.sections.map((s) => ({ id: s.id, title: s.title })),
    status: "pending",
  };
}

/** A section's drafted tasks as stored, numbered from 0 within the section: a fresh task is to do. */
export function toStudyTasks(ref: PlanRef, dayIndex: number, sectionId: string, drafts: TaskDraft[]): StudyTask[] {
  return drafts.map((draft, n) => ({
    _id: taskId(ref.planId, dayIndex, sectionId, n),
    tenantId: ref.tenantId,
    planId: ref.planId,
    dayId: dayId(ref.planId, dayIndex),
    sectionId,
    index: n,
    title: draft.title,
    kind: draft.kind,
    estimatedMinutes: Math.max(1, Math.round(draft.estimatedMinutes)),
    status: "todo",
    timeSpentMinutes: 0,
    sourceChunkIds: draft.sourceChunkIds ?? [],
  }));
}

export const dayTasksToStudyTasks = (ref: PlanRef, dayIndex: number, sections: SectionTasks[]): StudyTask[] =>
  sections.flatMap((s) => toStudyTasks(ref, dayIndex, s.sectionId, s.tasks));

/** A stored day back as the outline a provider drafts tasks for. */
export const outlineOf = (day: StudyDay): DayOutline => ({
  index: day.index,
  date: day.date,
  title: day.title,
  sections: day.sections,
});
