import { describe, expect, it } from "vitest";
import { ev } from "../testing/harness.js";
import { coalesceProgress } from "./coalesce.js";
import type { SequencedEvent } from "./sequenced-event.js";

const a = { _id: "job_a", tenantId: "acme" };
const b = { _id: "job_b", tenantId: "acme" };
let seq = 0;
const at = (event: SequencedEvent["event"]): SequencedEvent => ({ seq: ++seq, event });
const seqs = (events: SequencedEvent[]) => events.map((e) => e.seq);

describe("coalesceProgress", () => {
  it("keeps only the last of a job's consecutive progress events, even with other jobs' events between them", () => {
    const events = [
      at(ev.started(a)),
      at(ev.progress(a, { pct: 10, step: "outline", message: "one" })),
      at(ev.progress(b, { pct: 50, step: "days", message: "b" })),
      at(ev.progress(a, { pct: 20, step: "days", message: "two" })),
      at(ev.progress(a, { pct: 30, step: "days", message: "three" })),
      at(ev.succeeded(a, {})),
    ];
    const [started, , pb, , p3, done] = events;
    expect(seqs(coalesceProgress(events))).toEqual(seqs([started, pb, p3, done] as SequencedEvent[]));
  });

  it("keeps an earlier progress event when another kind of event of its job comes between", () => {
    const events = [
      at(ev.progress(a, { pct: 10, step: "x", message: "before" })),
      at(ev.retrying(a, "503")),
      at(ev.progress(a, { pct: 20, step: "x", message: "after" })),
    ];
    expect(coalesceProgress(events)).toHaveLength(3);
  });

  it("keeps an earlier progress event whose pct or step the later one would not overwrite", () => {
    const events = [
      at(ev.progress(a, { pct: 10, step: "outline", message: "with step" })),
      at(ev.progress(a, { pct: 20, message: "no step" })),
      at(ev.progress(a, { message: "message only" })),
    ];
    expect(coalesceProgress(events)).toHaveLength(3);
  });
});
