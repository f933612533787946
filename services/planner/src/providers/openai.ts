import type { ContextChunk } from "@ai-jobs/contracts";
import { completeStructured, type LlmCallSettings, type LlmCallUsage, type LlmDeps, SummaryAnswer } from "@ai-jobs/llm";
import { addDays } from "../domain/dates.js";
import { DayTasksAnswer, OutlineAnswer, SectionTasksAnswer, type TaskAnswer } from "./openai-schemas.js";
import { dayTasksPrompt, outlinePrompt, sectionTasksPrompt, summaryPrompt } from "./prompts.js";
import type { DraftCall, PlanProvider, TaskDraft } from "./types.js";

export interface OpenAiProviderOptions {
  llm: LlmDeps;
  /** Model, temperature and max tokens of a job type's calls. */
  settingsFor: (jobType: string) => LlmCallSettings;
  /** Stored on the plan as its `provider`. */
  name: string;
}

/**
 * The PlanProvider backed by any OpenAI-compatible chat completions server, with strict structured output. Section
 * ids are assigned here (`s1`, `s2`, … by position), never by the model, so task ids stay deterministic.
 */
export function createOpenAiProvider(opts: OpenAiProviderOptions): PlanProvider {
  const common = (call: DraftCall) => ({
    settings: opts.settingsFor(call.jobType),
    signal: call.signal,
    onPartial: call.onPartial,
    onUsage: (u: LlmCallUsage) => call.usage?.record(u),
  });

  return {
    name: opts.name,
    // Drafting more days at once than the limiter lets through would only queue calls in this process.
    concurrency: opts.llm.limiter?.limit ?? 1,
    async draftOutline(brief, range, call) {
      // No count check here: a model that writes fewer or more days than asked is not repaired (it tends to answer
      // the same again), the caller asks again for the days still missing and drops the extras.
      const { value } = await completeStructured(opts.llm, {
        ...common(call),
        name: "study_plan_outline",
        schema: OutlineAnswer,
        messages: outlinePrompt(brief, range, call.context),
      });
      return value.days.map((day, i) => ({
        index: range.first + i,
        date: addDays(brief.startDate, range.first + i),
        title: day.title,
        sections: day.sections.map((s, p) => ({ id: `s${p + 1}`, title: s.title })),
      }));
    },

    async draftDayTasks(brief, day, call) {
      const expected = day.sections.map((s) => s.id);
      const { value } = await completeStructured(opts.llm, {
        ...common(call),
        name: "study_day_tasks",
        schema: DayTasksAnswer,
        messages: dayTasksPrompt(brief, day, call.context),
        check: (answer) => {
          const got = answer.sections.map((s) => s.section_id);
          return got.join(",") === expected.join(",")
            ? undefined
            : `sections must be exactly [${expected.join(", ")}] in that order, the answer has [${got.join(", ")}]`;
        },
      });
      return value.sections.map((s) => ({ sectionId: s.section_id, tasks: toDrafts(s.tasks, call.context) }));
    },

    async draftSectionTasks(brief, day, sectionId, call) {
      const { value } = await completeStructured(opts.llm, {
        ...common(call),
        name: "study_section_tasks",
        schema: SectionTasksAnswer,
        messages: sectionTasksPrompt(brief, day, sectionId, call.context),
      });
      return toDrafts(value.tasks, call.context);
    },

    async summarise(content, call) {
      const { value } = await completeStructured(opts.llm, {
        ...common(call),
        name: "study_plan_summary",
        schema: SummaryAnswer,
        messages: summaryPrompt(content),
      });
      return value.summary.trim();
    },
  };
}

/** The model's tasks as drafts: citations limited to the chunks it was actually given. */
function toDrafts(tasks: TaskAnswer[], context: ContextChunk[] | undefined): TaskDraft[] {
  const given = new Set((context ?? []).map((c) => c.id));
  return tasks.map((t) => ({
    title: t.title,
    kind: t.kind,
    estimatedMinutes: t.estimated_minutes,
    sourceChunkIds: [...new Set(t.source_chunk_ids.filter((id) => given.has(id)))],
  }));
}
