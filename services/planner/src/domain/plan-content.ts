import type { StudyDay, StudyPlan, StudyTask } from "@ai-jobs/contracts";
import { planBriefOf } from "@ai-jobs/contracts";
import type { PlanContent } from "../providers/types.js";
import { outlineOf } from "./plan-documents.js";

/** A stored plan as a summary is written from it: days in order, each with its tasks in section order. */
export function planContentOf(plan: StudyPlan, days: StudyDay[], tasks: StudyTask[]): PlanContent {
  return {
    brief: planBriefOf(plan),
    days: days.map((day) => ({
      ...outlineOf(day),
      tasks: day.sections.flatMap((s) =>
        tasks
          .filter((t) => t.dayId === day._id && t.sectionId === s.id)
          .sort((a, b) => a.index - b.index)
          .map((t) => ({
            sectionId: t.sectionId,
            title: t.title,
            kind: t.kind,
            estimatedMinutes: t.estimatedMinutes,
            status: t.status,
            sourceChunkIds: t.sourceChunkIds ?? [],
          })),
      ),
    })),
  };
}
