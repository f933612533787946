import type { PlanContent } from "../providers/types.js";

/**
 * The summary stored when the LLM failed for good, and the offline provider's: built from the plan's own data
 * only (no clock, no randomness), so it is never empty and always says something true about the plan.
 */
export function deterministicSummary(content: PlanContent): string {
  const { brief, days } = content;
  const tasks = days.flatMap((d) => d.tasks);
  const minutes = tasks.reduce((sum, t) => sum + t.estimatedMinutes, 0);
  const done = tasks.filter((t) => t.status === "done" || t.status === "skipped").length;
  const kinds = countBy(tasks.map((t) => t.kind));
  const kindText = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ");
  const lines = [
    `"${brief.title}": a ${days.length}-day study plan from ${brief.startDate} to ${brief.endDate}, about ${brief.dailyMinutes} minutes a day.`,
    `Goal: ${brief.goal.trim()}`,
  ];
  if (brief.studyContext) lines.push(`Context: ${brief.studyContext.trim()}`);
  if (tasks.length === 0) {
    lines.push("No tasks have been generated yet.");
  } else {
    lines.push(`${tasks.length} tasks (${kindText}), ${minutes} minutes in all; ${done} of ${tasks.length} done.`);
    const titles = days.slice(0, 5).map((d) => d.title);
    lines.push(`It starts with: ${titles.join("; ")}${days.length > titles.length ? "; …" : "."}`);
  }
  return lines.join("\n");
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
