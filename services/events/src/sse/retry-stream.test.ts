import { readSse } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { serveEventsApp } from "../testing/app.js";
import { ev, startHarness, TOKENS } from "../testing/harness.js";

const h = useHarness(() => startHarness({ SSE_KEEPALIVE_MS: "200" }));
let base: string;

function open(jobId: string, lastEventId?: number) {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKENS.acme}` };
  if (lastEventId !== undefined) headers["last-event-id"] = String(lastEventId);
  return fetch(`${base}/api/ai/jobs/stream/?job_id=${jobId}`, { headers });
}

const ids = (messages: { id: string | undefined; event: string }[]) => messages.map((m) => [m.id, m.event]);

beforeAll(async () => {
  ({ base } = await serveEventsApp(h));
});

// No projector runs in this suite: the records keep what they were inserted with, as while the projection lags.
describe("SSE after an explicit retry", () => {
  it("a history with two runs is replayed in full and ends at the second run's terminal event", async () => {
    const job = await h.insertJob({ status: "succeeded" });
    const s1 = await h.publishEvent(ev.started(job));
    const s2 = await h.publishEvent(ev.failed(job, "first run failed"));
    const s3 = await h.publishEvent(ev.retried(job, 1), 1);
    const s4 = await h.publishEvent(ev.started(job, 1), 1);
    const s5 = await h.publishEvent(ev.succeeded(job, { plan_id: "p2" }, 1), 1);

    const read = await readSse(await open(job._id));
    expect(read.ended).toBe(true);
    expect(ids(read.messages)).toEqual([
      [String(s1), "meta"],
      [String(s2), "error"],
      [String(s2), "meta"],
      [String(s3), "meta"],
      [String(s4), "meta"],
      [String(s5), "result"],
      [String(s5), "meta"],
    ]);
    expect(read.messages[3]?.data).toEqual({ job_id: job._id, status: "queued" });
  });

  it("a job whose last terminal event is followed by a retry is not finished: the stream stays open for the new run", async () => {
    // The record still says failed: the projection has not seen the retry yet.
    const job = await h.insertJob({ status: "failed" });
    await h.publishEvent(ev.started(job));
    const failed = await h.publishEvent(ev.failed(job, "first run failed"));
    const retry = await h.publishEvent(ev.retried(job, 1), 1);

    const res = await open(job._id);
    expect(res.status).toBe(200);
    const history = await readSse(res, { until: (r) => r.messages.some((m) => m.id === String(retry)) });
    expect(history.ended).toBe(false);

    // Resuming after the first run's end (or after the retry) follows the new run instead of answering 204.
    const afterFailed = await open(job._id, failed);
    expect(afterFailed.status).toBe(200);
    const afterRetry = await open(job._id, retry);
    expect(afterRetry.status).toBe(200);

    const started = await h.publishEvent(ev.started(job, 1), 1);
    const cancelled = await h.publishEvent(ev.cancelled(job, 1), 1);
    const rest = await readSse(afterFailed);
    expect(rest.ended).toBe(true);
    expect(ids(rest.messages)).toEqual([
      [String(retry), "meta"],
      [String(started), "meta"],
      [String(cancelled), "meta"],
    ]);
    expect(ids((await readSse(afterRetry)).messages)).toEqual([
      [String(started), "meta"],
      [String(cancelled), "meta"],
    ]);
    // And once the second run's end has been seen, nothing is owed.
    expect((await open(job._id, cancelled)).status).toBe(204);
  });
});
