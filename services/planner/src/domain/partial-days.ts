import type { DayOutline, SectionTasks } from "../providers/types.js";

/** A drafted day as SSE clients get it in a progress event's `partial` (the seed's snake_case view shape). */
export function dayPartial(day: DayOutline, sections: SectionTasks[]) {
  return {
    index: day.index,
    date: day.date,
    title: day.title,
    sections: day.sections.map((s) => ({
      id: s.id,
      title: s.title,
      tasks: (sections.find((x) => x.sectionId === s.id)?.tasks ?? []).map((t) => ({
        title: t.title,
        kind: t.kind,
        estimated_minutes: t.estimatedMinutes,
        source_chunk_ids: t.sourceChunkIds ?? [],
      })),
    })),
  };
}

/**
 * Passes a streaming answer's partial content on at most once per `everyMs`: a model streams dozens of chunks a
 * second, and every progress event is a JetStream message and a projection write.
 */
export function throttled<T>(everyMs: number, send: (value: T) => void): (value: T) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (value) => {
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    send(value);
  };
}
