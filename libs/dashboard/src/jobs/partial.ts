import { z } from "zod";

/**
 * A plan generation's content as its progress events carry it (`partial`, docs/API.md "SSE"): `partial.days` holds
 * whole days (the outline first, then each drafted day with its tasks), `partial.day` the day a model is writing now,
 * fields possibly still missing. Read leniently: what does not fit is left out, never fatal.
 */
const PartialTask = z.object({
  title: z.string().optional(),
  kind: z.string().optional(),
  estimated_minutes: z.number().optional(),
});
const PartialSection = z.object({
  title: z.string().optional(),
  tasks: z.array(PartialTask).optional(),
});
const PartialDay = z.object({
  index: z.number().int(),
  date: z.string().optional(),
  title: z.string().optional(),
  sections: z.array(PartialSection).optional(),
});
const Partial = z.object({ days: z.array(PartialDay).optional(), day: PartialDay.optional() });

export type DraftDay = z.infer<typeof PartialDay> & { drafting: boolean };

/** The days drafted so far, in plan order, after one more progress event's `partial`. */
export function mergePartial(days: readonly DraftDay[], partial: unknown): DraftDay[] {
  const parsed = Partial.safeParse(partial);
  if (!parsed.success) return [...days];
  const byIndex = new Map(days.map((d) => [d.index, d]));
  for (const day of parsed.data.days ?? []) {
    const before = byIndex.get(day.index);
    // An outline day (no tasks yet) does not replace a day already drafted with its tasks.
    const outlineOnly = (day.sections ?? []).every((s) => s.tasks === undefined || s.tasks.length === 0);
    if (before && outlineOnly && hasTasks(before)) continue;
    byIndex.set(day.index, { ...day, drafting: false });
  }
  if (parsed.data.day) {
    const day = parsed.data.day;
    const before = byIndex.get(day.index);
    if (!before || before.drafting || !hasTasks(before)) byIndex.set(day.index, { ...day, drafting: true });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

const hasTasks = (day: DraftDay) => (day.sections ?? []).some((s) => (s.tasks ?? []).length > 0);
