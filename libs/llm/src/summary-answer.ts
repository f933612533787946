import { z } from "zod";

/** The answer of a summary call, a plan's or a document's: one piece of plain prose. */
export const SummaryAnswer = z.object({ summary: z.string().min(1) });
export type SummaryAnswer = z.infer<typeof SummaryAnswer>;
