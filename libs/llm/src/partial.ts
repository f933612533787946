import { Allow, parse } from "partial-json";

/**
 * The value an unfinished JSON text describes so far (`{"days":[{"title":"Intro` → `{days: [{title: "Intro"}]}`),
 * or undefined when nothing can be read from it yet. For progress display only: the final answer is parsed
 * strictly and validated.
 */
export function parsePartialJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return parse(text, Allow.ALL);
  } catch {
    return undefined;
  }
}
