import type { ContextChunk } from "@ai-jobs/contracts";
import type { ChatMessage } from "@ai-jobs/llm";
import { addDays, dayCount } from "../domain/dates.js";
import type { DayRange } from "../domain/day-ranges.js";
import type { DayOutline, PlanBrief, PlanContent } from "./types.js";

/**
 * The prompts. The system message says what to do; the user message is the job's data as one JSON object, so
 * nothing in the learner's text can pass for an instruction's structure, and the answer's shape is fixed by the
 * response format.
 */
const SYSTEM = [
  "You are a study planner. You write realistic, concrete study plans for one learner.",
  "Answer with a single JSON object that matches the response schema, and nothing else.",
  "When `context` excerpts from the learner's own materials are given, base the work on them and list the ids of",
  "the excerpts each task uses in `source_chunk_ids` (only ids that appear in `context`; an empty list otherwise).",
].join(" ");

const briefData = (brief: PlanBrief) => ({
  goal: brief.goal,
  title: brief.title,
  study_context: brief.studyContext,
  start_date: brief.startDate,
  end_date: brief.endDate,
  daily_minutes: brief.dailyMinutes,
});

const contextData = (context: ContextChunk[] | undefined) => (context ?? []).map((c) => ({ id: c.id, text: c.text }));

const dayData = (day: DayOutline) => ({
  index: day.index,
  date: day.date,
  title: day.title,
  sections: day.sections.map((s) => ({ id: s.id, title: s.title })),
});

const messages = (data: Record<string, unknown>): ChatMessage[] => [
  { role: "system", content: SYSTEM },
  { role: "user", content: JSON.stringify(data) },
];

/**
 * The outline of one range of the plan's days. Dates follow from the plan's start, so the range is spelled out as
 * dates too; a range that is not the whole plan is told where it falls, so the model paces it (no part but the
 * last one closes the plan).
 */
export const outlinePrompt = (brief: PlanBrief, range: DayRange, context?: ContextChunk[]) => {
  const total = dayCount(brief.startDate, brief.endDate);
  const last = range.first + range.count - 1;
  const from = addDays(brief.startDate, range.first);
  const to = addDays(brief.startDate, last);
  const instructions = [
    `Write days ${range.first + 1} to ${last + 1} of the outline of this ${total}-day plan: exactly ${range.count} days, one per date from ${from} to ${to}, in order.`,
    "Each day gets a title naming its topic and 1 to 4 sections (e.g. learn, practise, review).",
    range.count < total ? "The other days are written separately: pace these for where they fall in the plan." : "",
    last === total - 1 ? "The last day should consolidate." : "",
  ];
  return messages({
    task: "outline",
    instructions: instructions.filter(Boolean).join(" "),
    day_count: range.count,
    first_day: range.first + 1,
    from_date: from,
    to_date: to,
    plan_day_count: total,
    ...briefData(brief),
    context: contextData(context),
  });
};

export const dayTasksPrompt = (brief: PlanBrief, day: DayOutline, context?: ContextChunk[]) =>
  messages({
    task: "day_tasks",
    instructions: `Write the tasks of one day: for each of its sections, in order and with its id as section_id, 1 to 4 tasks. The day's estimated_minutes should add up to about ${brief.dailyMinutes}.`,
    ...briefData(brief),
    day: dayData(day),
    context: contextData(context),
  });

export const sectionTasksPrompt = (brief: PlanBrief, day: DayOutline, sectionId: string, context?: ContextChunk[]) =>
  messages({
    task: "section_tasks",
    instructions: `Write 1 to 4 tasks for section ${sectionId} of this day, fitting its share of about ${brief.dailyMinutes} minutes a day.`,
    ...briefData(brief),
    day: dayData(day),
    section_id: sectionId,
    context: contextData(context),
  });

/** A summary prompt lists at most this many days: enough to characterise a plan, bounded for a year-long one. */
const SUMMARY_MAX_DAYS = 60;

export const summaryPrompt = (content: PlanContent) =>
  messages({
    task: "summary",
    instructions:
      "Summarise this study plan for the learner in at most 150 words: what it covers, how it is paced, and how far they are (tasks done).",
    ...briefData(content.brief),
    day_count: content.days.length,
    task_count: content.days.reduce((n, d) => n + d.tasks.length, 0),
    tasks_done: content.days.reduce((n, d) => n + d.tasks.filter((t) => t.status === "done").length, 0),
    days: content.days.slice(0, SUMMARY_MAX_DAYS).map((d) => ({
      date: d.date,
      title: d.title,
      tasks: d.tasks.map((t) => ({ title: t.title, kind: t.kind, minutes: t.estimatedMinutes, status: t.status })),
    })),
  });
