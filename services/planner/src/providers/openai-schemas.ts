import { TASK_KINDS } from "@ai-jobs/contracts";
import { z } from "zod";

/**
 * The shapes the model answers in (snake_case, as the prompts speak). Sent as the JSON schema of the response
 * format (strict structured output) and checked again on the way in. The sections of a day's tasks, which JSON schema
 * cannot say, are checked by the provider and repaired the same way; the number of outline days is not a rule of
 * the answer (plan.generate asks again for the days missing and drops the extras).
 */
export const OutlineAnswer = z.object({
  days: z.array(
    z.object({
      title: z.string().min(1),
      sections: z.array(z.object({ title: z.string().min(1) })).min(1),
    }),
  ),
});
export type OutlineAnswer = z.infer<typeof OutlineAnswer>;

const TaskAnswer = z.object({
  title: z.string().min(1),
  kind: z.enum(TASK_KINDS),
  estimated_minutes: z.number().int().min(1),
  /** Ids from the context chunks given in the prompt; empty when none was used. */
  source_chunk_ids: z.array(z.string()),
});
export type TaskAnswer = z.infer<typeof TaskAnswer>;

export const SectionTasksAnswer = z.object({ tasks: z.array(TaskAnswer).min(1) });
export type SectionTasksAnswer = z.infer<typeof SectionTasksAnswer>;

export const DayTasksAnswer = z.object({
  sections: z.array(z.object({ section_id: z.string(), tasks: z.array(TaskAnswer).min(1) })),
});
export type DayTasksAnswer = z.infer<typeof DayTasksAnswer>;
