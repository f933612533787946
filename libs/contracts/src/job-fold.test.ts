import { describe, expect, it } from "vitest";
import { queuedEventOf } from "./dispatch.js";
import type { JobEvent } from "./events.js";
import { foldJobEvent, foldJobEvents, type SequencedEvent } from "./job-fold.js";
import { newJobRecord } from "./new-job.js";

const created = new Date("2026-12-01T10:00:00Z");
const record = newJobRecord({
  jobId: "01JZZZZZZZZZZZZZZZZZZZZZZZ",
  tenantId: "acme",
  userId: "u1",
  type: "plan.summary",
  priority: "high",
  payload: { planId: "p1" },
  now: created,
  traceId: "0af7651916cd43dd8448eb211c80319c",
  webhookUrl: "https://hooks.example.com/x",
});
const at = (s: number) => new Date(created.getTime() + s * 1_000).toISOString();
const base = { jobId: record._id, tenantId: "acme", type: "plan.summary" };

const queued: SequencedEvent = { seq: 10, event: queuedEventOf(record, { at: created }) };
const started = (seq: number, attempt = 1): SequencedEvent => ({
  seq,
  event: { ...base, attempt, at: at(seq), kind: "started", data: { worker: "w1" } },
});
const progress = (seq: number, pct: number, step?: string): SequencedEvent => ({
  seq,
  event: {
    ...base,
    attempt: 1,
    at: at(seq),
    kind: "progress",
    data: { pct, message: `at ${pct}`, ...(step ? { step } : {}) },
  },
});
const succeeded = (seq: number): SequencedEvent => ({
  seq,
  event: { ...base, attempt: 1, at: at(seq), kind: "succeeded", data: { result: { plan_id: "p1" } } },
});
const failed = (seq: number): SequencedEvent => ({
  seq,
  event: {
    ...base,
    attempt: 1,
    at: at(seq),
    kind: "failed",
    data: { error: { code: "HANDLER_FAILED", message: "no" } },
  },
});
const retried = (seq: number, n: number): SequencedEvent => ({
  seq,
  event: queuedEventOf(record, { at: new Date(at(seq)), retry: n }) as JobEvent,
});

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** Applies the events one by one in the given order (not sorted), as a projector meeting them out of order would. */
const applyInOrder = (events: readonly SequencedEvent[]) =>
  events.reduce<ReturnType<typeof foldJobEvent> | undefined>((job, e) => foldJobEvent(job, e), undefined);

describe("foldJobEvent", () => {
  it("creates the record from the queued event's spec: the job as its submit described it", () => {
    const job = foldJobEvent(undefined, queued);
    expect(job).toMatchObject({
      _id: record._id,
      tenantId: "acme",
      userId: "u1",
      type: "plan.summary",
      queue: "ai_generation",
      priority: "high",
      status: "queued",
      payload: { planId: "p1" },
      traceId: record.traceId,
      webhook: { url: "https://hooks.example.com/x" },
      createdAt: created,
      dispatchedAt: created,
      seq: 10,
    });
  });

  it("applying an event twice is applying it once, and an event that changes nothing returns the same record", () => {
    const once = foldJobEvents(undefined, [queued, started(11), progress(12, 40, "drafting"), succeeded(13)]);
    expect(foldJobEvents(once, [queued, started(11), progress(12, 40), succeeded(13)])).toBe(once);
    expect(once).toMatchObject({ status: "succeeded", progress: { pct: 100, step: "drafting" }, seq: 13 });
  });

  it("every order of a run's events ends in the same record", () => {
    // Progress events that set every field: one that omits `step` keeps whichever step was applied before it.
    const run = [queued, started(11), progress(12, 30, "outline"), progress(13, 60, "days"), succeeded(14)];
    const expected = applyInOrder(run);
    expect(expected).toMatchObject({ status: "succeeded", startedAt: new Date(at(11)), finishedAt: new Date(at(14)) });
    for (const order of permutations(run)) expect(applyInOrder(order)).toEqual(expected);
  });

  it("every order of a failed run, its retry and the second run ends in the same record", () => {
    const events = [queued, started(11), failed(12), retried(20, 1), started(21), succeeded(22)];
    const expected = applyInOrder(events);
    expect(expected).toMatchObject({ status: "succeeded", retries: 1, runSeq: 20, lastError: null, seq: 22 });
    for (const order of permutations(events)) {
      // Met before the reopening, the new run's events were refused (the job was finished): when a retry reopens a
      // job the projector folds in again the job's stored events after it (apply-events), as this does.
      const job = applyInOrder(order);
      expect(
        foldJobEvents(
          job,
          events.filter((e) => e.seq > 20),
        ),
      ).toEqual(expected);
    }
  });

  it("a record started by an event that overtook its queued event gets the job's spec when it arrives", () => {
    const job = foldJobEvents(undefined, [started(11)]);
    expect(job).toMatchObject({ status: "running", userId: "", payload: {} });
    expect(foldJobEvent(job, queued)).toMatchObject({ status: "running", userId: "u1", payload: { planId: "p1" } });
  });

  it("a terminal job stays terminal: a zombie worker's later events change nothing", () => {
    const done = foldJobEvents(undefined, [queued, started(11), succeeded(12)]);
    expect(foldJobEvents(done, [started(13, 2), progress(14, 10), failed(15)])).toBe(done);
  });

  it("a stale retry (not above `retries`) does not reopen", () => {
    const second = foldJobEvents(undefined, [queued, failed(11), retried(12, 1), failed(13)]);
    expect(second).toMatchObject({ status: "failed", retries: 1 });
    expect(foldJobEvent(second, retried(14, 1))).toBe(second);
    expect(foldJobEvent(second, retried(15, 2))).toMatchObject({ status: "queued", retries: 2 });
  });
});
