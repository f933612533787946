import { PRIORITIES, type Priority } from "@ai-jobs/contracts";

/**
 * Strict priority with aging. The highest waiting priority runs first, but a waiting message that has been
 * passed over `agingLimit` times runs next, so under a constant stream of critical jobs a low one still gets
 * at least one slot in every `agingLimit + 1` picks.
 */
export class PriorityPicker {
  readonly #skipped = new Map<Priority, number>();

  constructor(readonly agingLimit: number) {}

  pick(waiting: ReadonlySet<Priority>): Priority | undefined {
    const present = PRIORITIES.filter((p) => waiting.has(p));
    const chosen = present.find((p) => (this.#skipped.get(p) ?? 0) >= this.agingLimit) ?? present[0];
    if (chosen === undefined) return undefined;
    for (const p of present) this.#skipped.set(p, p === chosen ? 0 : (this.#skipped.get(p) ?? 0) + 1);
    return chosen;
  }
}
