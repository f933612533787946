import type { RecordedRequest, ScriptedReply } from "@ai-jobs/testkit";

/**
 * What the test OpenAI server answers a planner prompt with, built from the job data in the prompt (the user message
 * is one JSON object): the outline days asked for (titled by their day of the plan), the day's sections, and
 * citations of every context chunk given plus one id that was not given (the provider must drop it). Used by the
 * tests and the benchmarks.
 */
export const NOT_GIVEN_CHUNK = "chunk-never-given";

interface PromptData {
  task: string;
  title: string;
  daily_minutes: number;
  /** Outline prompts: how many days are asked for, from which day of the plan (1-based). */
  day_count?: number;
  first_day?: number;
  from_date?: string;
  to_date?: string;
  day?: { index: number; title: string; sections: Array<{ id: string; title: string }> };
  context?: Array<{ id: string; text: string }>;
}

export function promptDataOf(request: RecordedRequest): PromptData {
  const messages = request.body.messages as Array<{ role: string; content: string }>;
  const user = messages.find((m) => m.role === "user");
  if (!user) throw new Error("no user message in the prompt");
  return JSON.parse(user.content) as PromptData;
}

export function plannerAnswer(
  request: RecordedRequest,
  extra: Partial<Extract<ScriptedReply, { kind: "answer" }>> = {},
) {
  const data = promptDataOf(request);
  const cited = [...(data.context ?? []).map((c) => c.id), NOT_GIVEN_CHUNK];
  const task = (title: string, kind: string, minutes: number) => ({
    title,
    kind,
    estimated_minutes: minutes,
    source_chunk_ids: cited,
  });
  let content: unknown;
  switch (data.task) {
    case "outline":
      content = outlineDays(data, data.day_count ?? 1);
      break;
    case "day_tasks":
      content = {
        sections: (data.day?.sections ?? []).map((s) => ({
          section_id: s.id,
          tasks: [task(`Read about ${data.day?.title}`, "read", 20), task(`Exercises: ${s.title}`, "practice", 10)],
        })),
      };
      break;
    case "section_tasks":
      content = { tasks: [task("Redo the exercises", "practice", 15)] };
      break;
    case "summary":
      content = { summary: `A model summary of ${data.title}.` };
      break;
    default:
      throw new Error(`unknown prompt task ${data.task}`);
  }
  return { kind: "answer" as const, content: JSON.stringify(content), ...extra };
}

/** An outline answer of `count` days, whatever the prompt asked for: a model that miscounts. */
export function plannerOutline(request: RecordedRequest, count: number) {
  return { kind: "answer" as const, content: JSON.stringify(outlineDays(promptDataOf(request), count)) };
}

const outlineDays = (data: PromptData, count: number) => ({
  days: Array.from({ length: count }, (_, i) => ({
    title: `Topic ${(data.first_day ?? 1) + i} of ${data.title}`,
    sections: [{ title: "Learn" }, { title: "Practise" }],
  })),
});
