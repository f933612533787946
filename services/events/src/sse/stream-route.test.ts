import http from "node:http";
import { STREAMS } from "@ai-jobs/contracts";
import { readSse, waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { serveEventsApp } from "../testing/app.js";
import { ev, startHarness, TOKENS } from "../testing/harness.js";
import { REPLAY_CONSUMER_PREFIX } from "./live-stream.js";

const h = useHarness(() => startHarness({ SSE_KEEPALIVE_MS: String(KEEP_ALIVE_MS) }));
let base: string;

const KEEP_ALIVE_MS = 200;

function open(query: string, opts: { token?: string | null; lastEventId?: string; path?: string } = {}) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? TOKENS.acme : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.lastEventId !== undefined) headers["last-event-id"] = opts.lastEventId;
  return fetch(`${base}${opts.path ?? "/api/ai/jobs/stream/"}?${query}`, { headers });
}

/** The short-lived replay consumers the SSE connections hold on JOB_EVENTS (the replica's live hub is not one). */
async function openConsumers(): Promise<number> {
  let n = 0;
  for await (const info of h.ctx.nats.jsm.consumers.list(STREAMS.events)) {
    if (info.name.startsWith(REPLAY_CONSUMER_PREFIX)) n++;
  }
  return n;
}

const summary = (messages: { id: string | undefined; event: string; data: unknown }[]) =>
  messages.map((m) => [m.id, m.event, m.data]);

beforeAll(async () => {
  ({ base } = await serveEventsApp(h));
});

describe("GET /api/ai/jobs/stream/", () => {
  it("a client sees meta(running) → progress → result → meta(succeeded), history then live with no gap, and the stream ends", async () => {
    const job = await h.insertJob();
    const s1 = await h.publishEvent(ev.started(job));
    const res = await open(`job_id=${job._id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-accel-buffering")).toBe("no");

    // Published while the client is connected.
    const s2 = await h.publishEvent(ev.progress(job, { pct: 50, step: "days", message: "writing the days" }), 1);
    const s3 = await h.publishEvent(ev.succeeded(job, { plan_id: "plan_1" }));

    const read = await readSse(res);
    expect(read.ended).toBe(true);
    expect(summary(read.messages)).toEqual([
      [String(s1), "meta", { job_id: job._id, status: "running" }],
      [String(s2), "progress", { job_id: job._id, pct: 50, step: "days", message: "writing the days" }],
      [String(s3), "result", { job_id: job._id, plan_id: "plan_1" }],
      [String(s3), "meta", { job_id: job._id, status: "succeeded" }],
    ]);
    await waitFor(async () => (await openConsumers()) === 0, { what: "the SSE consumer to be deleted" });
  });

  it("Last-Event-ID from the middle of a finished job gives exactly the remaining messages, on either path and as a query parameter", async () => {
    const job = await h.insertJob();
    const s1 = await h.publishEvent(ev.started(job));
    const s2 = await h.publishEvent(ev.progress(job, { pct: 30, message: "one" }), 1);
    const s3 = await h.publishEvent(ev.progress(job, { pct: 60, message: "two" }), 2);
    const s4 = await h.publishEvent(ev.failed(job, "model refused"));
    // No projector runs in this suite: the record still says "queued", as while the projection lags.

    const full = await readSse(await open(`job_id=${job._id}`));
    expect(full.messages.map((m) => m.id)).toEqual([s1, s2, s3, s4, s4].map(String));

    const expected = [
      [String(s3), "progress", { job_id: job._id, pct: 60, message: "two" }],
      [String(s4), "error", { job_id: job._id, code: "HANDLER_FAILED", message: "model refused" }],
      [String(s4), "meta", { job_id: job._id, status: "failed" }],
    ];
    const byHeader = await readSse(await open(`job_id=${job._id}`, { lastEventId: String(s2) }));
    expect(byHeader.ended).toBe(true);
    expect(summary(byHeader.messages)).toEqual(expected);

    const byQuery = await readSse(await open(`job_id=${job._id}&last_event_id=${s2}`, { path: "/api/ai/jobs/stream" }));
    expect(summary(byQuery.messages)).toEqual(expected);

    // Resuming after the terminal event: nothing is owed, and 204 tells an EventSource to stop reconnecting.
    const after = await open(`job_id=${job._id}`, { lastEventId: String(s4) });
    expect(after.status).toBe(204);
  });

  it("a client that drops mid-job and reconnects with Last-Event-ID misses nothing and sees nothing twice", async () => {
    const job = await h.insertJob();
    const s1 = await h.publishEvent(ev.started(job));
    const first = await readSse(await open(`job_id=${job._id}`), { until: (r) => r.messages.length >= 1 });
    expect(first.messages.map((m) => m.id)).toEqual([String(s1)]);

    // Published while the client is away.
    const s2 = await h.publishEvent(ev.progress(job, { pct: 20, message: "while away" }), 1);
    const res = await open(`job_id=${job._id}`, { lastEventId: String(s1) });
    const s3 = await h.publishEvent(ev.succeeded(job, { plan_id: "plan_3" }));
    const rest = await readSse(res);
    expect(rest.ended).toBe(true);
    expect(rest.messages.map((m) => [m.id, m.event])).toEqual([
      [String(s2), "progress"],
      [String(s3), "result"],
      [String(s3), "meta"],
    ]);
  });

  it("two jobs in one stream: events of both in stream order, and it ends only when both are terminal", async () => {
    const a = await h.insertJob();
    const b = await h.insertJob();
    const sa1 = await h.publishEvent(ev.started(a));
    const sb1 = await h.publishEvent(ev.started(b));
    const res = await open(`job_id=${a._id}&job_id=${b._id}`);
    const sb2 = await h.publishEvent(ev.succeeded(b, { plan_id: "plan_b" }));
    const untilB = await readSse(res, { until: (r) => r.messages.length >= 4 });
    expect(untilB.ended).toBe(false);
    expect(untilB.messages.map((m) => [m.id, m.event])).toEqual([
      [String(sa1), "meta"],
      [String(sb1), "meta"],
      [String(sb2), "result"],
      [String(sb2), "meta"],
    ]);

    // The same response goes on: a is still running.
    const res2 = await open(`job_id=${a._id}&job_id=${b._id}`, { lastEventId: String(sb2) });
    const sa2 = await h.publishEvent(ev.cancelled(a));
    const rest = await readSse(res2);
    expect(rest.ended).toBe(true);
    expect(summary(rest.messages)).toEqual([[String(sa2), "meta", { job_id: a._id, status: "cancelled" }]]);
  });

  it("a job already finished before connecting replays to its terminal event and ends", async () => {
    const job = await h.insertJob();
    await h.publishEvent(ev.started(job));
    await h.publishEvent(ev.log(job, "fetched 3 sources"));
    const s3 = await h.publishEvent(ev.succeeded(job, { task_ids: ["t1", "t2"] }));
    await h.ctx.mongo.collections.jobs.updateOne({ _id: job._id }, { $set: { status: "succeeded", seq: s3 } });
    const read = await readSse(await open(`job_id=${job._id}`));
    expect(read.ended).toBe(true);
    expect(read.messages.map((m) => m.event)).toEqual(["meta", "progress", "result", "meta"]);
    expect(read.messages[2]?.data).toEqual({ job_id: job._id, task_ids: ["t1", "t2"] });
  });

  it("a terminal job whose events are no longer in the stream gets its status from the record", async () => {
    const job = await h.insertJob({ status: "cancelled", seq: 0 });
    const read = await readSse(await open(`job_id=${job._id}`));
    expect(read.ended).toBe(true);
    expect(summary(read.messages)).toEqual([["0", "meta", { job_id: job._id, status: "cancelled" }]]);
  });

  it("keep-alive comments flow while a job is quiet, and a client disconnect releases the consumer", async () => {
    const job = await h.insertJob();
    await h.publishEvent(ev.started(job));
    const read = await readSse(await open(`job_id=${job._id}`), {
      until: (r) => r.comments.filter((c) => c === "keep-alive").length >= 2,
      timeoutMs: KEEP_ALIVE_MS * 20,
    });
    expect(read.messages.map((m) => m.event)).toEqual(["meta"]);
    await waitFor(async () => (await openConsumers()) === 0, { what: "the SSE consumer to be deleted on disconnect" });
  });

  it("streams a long history in order through a small per-connection buffer", async () => {
    const job = await h.insertJob();
    await h.publishEvent(ev.started(job));
    for (let i = 1; i <= 300; i++) await h.publishEvent(ev.progress(job, { pct: i / 3, message: `step ${i}` }), i);
    await h.publishEvent(ev.succeeded(job, { plan_id: "plan_long" }));
    const read = await readSse(await open(`job_id=${job._id}`), { timeoutMs: 20_000 });
    expect(read.ended).toBe(true);
    expect(read.messages).toHaveLength(303);
    const ids = read.messages.map((m) => Number(m.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(
      read.messages.filter((m) => m.event === "progress").map((m) => (m.data as { message: string }).message),
    ).toEqual(Array.from({ length: 300 }, (_, i) => `step ${i + 1}`));
  }, 60_000);

  it("a client that stops reading makes the server stop pulling (bounded buffer), and nothing is lost when it resumes", async () => {
    const job = await h.insertJob();
    await h.publishEvent(ev.started(job));
    const filler = "x".repeat(8_192);
    const total = 3_000;
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          h.publishEvent(ev.progress(job, { message: `${i + k + 1} ${filler}` }), i + k + 1),
        ),
      );
    }
    const last = await h.publishEvent(ev.succeeded(job, { plan_id: "plan_slow" }));

    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(`${base}/api/ai/jobs/stream/?job_id=${job._id}`, { headers: { authorization: `Bearer ${TOKENS.acme}` } })
        .once("response", resolve)
        .once("error", reject);
    });
    expect(res.statusCode).toBe(200);
    // The body is not read: the server must stall on the socket instead of pulling the whole history into memory.
    const pending = async () => {
      for await (const info of h.ctx.nats.jsm.consumers.list(STREAMS.events)) {
        if (info.name.startsWith(REPLAY_CONSUMER_PREFIX)) return info.num_pending;
      }
      return undefined;
    };
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stalled = await pending();
    expect(stalled).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await pending()).toBe(stalled);

    let body = "";
    res.setEncoding("utf8");
    for await (const chunk of res) body += chunk;
    expect(body.match(/^event: progress$/gm)).toHaveLength(total);
    // Keep-alive comments may fall anywhere, even after the last event while the stream winds down.
    const frames = body.replace(/^: keep-alive\n\n/gm, "");
    expect(frames.slice(-200)).toMatch(
      new RegExp(`id: ${last}\nevent: meta\ndata: \\{"job_id":"${job._id}","status":"succeeded"\\}\n\n$`),
    );
  }, 120_000);

  describe("refusals", () => {
    it("no token or an unknown token → 401 problem+json", async () => {
      const job = await h.insertJob();
      for (const token of [null, "nope"]) {
        const res = await open(`job_id=${job._id}`, { token });
        expect(res.status).toBe(401);
        expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect(await res.json()).toMatchObject({
          type: "urn:ai-jobs:problem:unauthorized",
          title: "Unauthorized",
          status: 401,
          code: "UNAUTHORIZED",
          detail: expect.any(String),
        });
      }
    });

    it("another tenant's job → 404, answered exactly like a job that does not exist", async () => {
      const theirs = await h.insertJob({ tenantId: "acme" });
      const res = await open(`job_id=${theirs._id}`, { token: TOKENS.globex });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      const body = await res.json();
      expect(body).toMatchObject({ status: 404, code: "NOT_FOUND" });

      const ghost = h.newId();
      const none = await open(`job_id=${ghost}`, { token: TOKENS.globex });
      expect(none.status).toBe(404);
      expect(JSON.stringify(await none.json()).replace(ghost, "X")).toBe(JSON.stringify(body).replace(theirs._id, "X"));

      // One foreign id among the caller's own is enough to refuse.
      const mine = await h.insertJob({ tenantId: "globex" });
      const mixed = await open(`job_id=${mine._id}&job_id=${theirs._id}`, { token: TOKENS.globex });
      expect(mixed.status).toBe(404);
    });

    it("bad query or Last-Event-ID → 400 naming the field", async () => {
      const missing = await open("");
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({
        status: 400,
        code: "VALIDATION_FAILED",
        errors: [expect.objectContaining({ field: "job_id" })],
      });

      const tooMany = await open(Array.from({ length: 101 }, (_, i) => `job_id=j${i}`).join("&"));
      expect(tooMany.status).toBe(400);
      expect(await tooMany.json()).toMatchObject({ errors: [expect.objectContaining({ field: "job_id" })] });

      const unsafe = await open("job_id=a.b");
      expect(unsafe.status).toBe(400);

      const job = await h.insertJob();
      const badId = await open(`job_id=${job._id}`, { lastEventId: "abc" });
      expect(badId.status).toBe(400);
      expect(await badId.json()).toMatchObject({ errors: [expect.objectContaining({ field: "Last-Event-ID" })] });
    });
  });
});
