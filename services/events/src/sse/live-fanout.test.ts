import http from "node:http";
import { readSse } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { serveEventsApp } from "../testing/app.js";
import { ev, startHarness, TOKENS } from "../testing/harness.js";

/** Two events replicas (two apps, each with its own live hub) sharing one NATS and one MongoDB. */
const h = useHarness(() => startHarness());
let baseA: string;
let baseB: string;

const MAX_BUFFERED = 64 * 1_024;

async function startApp(): Promise<string> {
  return (await serveEventsApp(h, { keepAliveMs: 500, sseMaxBufferedBytes: MAX_BUFFERED })).base;
}

function open(base: string, query: string, opts: { token?: string; lastEventId?: string } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.token ?? TOKENS.acme}` };
  if (opts.lastEventId !== undefined) headers["last-event-id"] = opts.lastEventId;
  return fetch(`${base}/api/ai/jobs/stream/?${query}`, { headers });
}

beforeAll(async () => {
  baseA = await startApp();
  baseB = await startApp();
});

describe("SSE live hub", () => {
  it("a client that leaves replica A mid-job and resumes on replica B with Last-Event-ID gets exactly the rest", async () => {
    const job = await h.insertJob();
    const s1 = await h.publishEvent(ev.started(job));
    const first = await open(baseA, `job_id=${job._id}`);
    const s2 = await h.publishEvent(ev.progress(job, { pct: 10, message: "one" }), 1);
    const seen = await readSse(first, { until: (r) => r.messages.length >= 2 });
    expect(seen.messages.map((m) => m.id)).toEqual([String(s1), String(s2)]);

    const s3 = await h.publishEvent(ev.progress(job, { pct: 20, message: "while away" }), 2);
    const resumed = await open(baseB, `job_id=${job._id}`, { lastEventId: String(s2) });
    const s4 = await h.publishEvent(ev.progress(job, { pct: 30, message: "live on B" }), 3);
    const s5 = await h.publishEvent(ev.succeeded(job, { plan_id: "plan_ab" }));
    const rest = await readSse(resumed);
    expect(rest.ended).toBe(true);
    expect(rest.messages.map((m) => [m.id, m.event])).toEqual([
      [String(s3), "progress"],
      [String(s4), "progress"],
      [String(s5), "result"],
      [String(s5), "meta"],
    ]);
  });

  it("events published while the history replays are neither lost nor duplicated", async () => {
    const job = await h.insertJob();
    await h.publishEvent(ev.started(job));
    for (let i = 1; i <= 200; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) => h.publishEvent(ev.progress(job, { message: `old ${i + k}` }), i + k)),
      );
    }
    const res = await open(baseA, `job_id=${job._id}`);
    const reading = readSse(res, { timeoutMs: 30_000 });
    for (let i = 201; i <= 300; i++) await h.publishEvent(ev.progress(job, { message: `new ${i}` }), i);
    const last = await h.publishEvent(ev.succeeded(job, { plan_id: "plan_during" }));
    const read = await reading;
    expect(read.ended).toBe(true);
    const ids = read.messages.map((m) => Number(m.id));
    expect(read.messages).toHaveLength(1 + 300 + 2);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(
      read.messages.filter((m) => m.event === "progress").map((m) => (m.data as { message: string }).message),
    ).toEqual(Array.from({ length: 300 }, (_, i) => `${i < 200 ? "old" : "new"} ${i + 1}`));
    expect(ids.at(-1)).toBe(last);
  }, 60_000);

  it("all=1 gets the events of every job of the caller's tenant and none of another tenant's; it resumes too", async () => {
    const a = await h.insertJob();
    const b = await h.insertJob();
    const theirs = await h.insertJob({ tenantId: "globex" });
    const res = await open(baseB, "all=1");
    expect(res.status).toBe(200);
    // Live from now: give the request time to subscribe before publishing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sa = await h.publishEvent(ev.started(a));
    await h.publishEvent(ev.started(theirs));
    const sb = await h.publishEvent(ev.started(b));
    await h.publishEvent(ev.succeeded(theirs, { plan_id: "not yours" }));
    const sa2 = await h.publishEvent(ev.succeeded(a, { plan_id: "plan_a" }));
    const read = await readSse(res, { until: (r) => r.messages.length >= 4, timeoutMs: 10_000 });
    expect(read.messages.map((m) => [m.id, (m.data as { job_id: string }).job_id])).toEqual([
      [String(sa), a._id],
      [String(sb), b._id],
      [String(sa2), a._id],
      [String(sa2), a._id],
    ]);

    // All jobs finished, and still the stream stays; resuming from sa on the other replica replays the tenant's rest.
    const again = await open(baseA, "all=1", { lastEventId: String(sa) });
    const rest = await readSse(again, { until: (r) => r.messages.length >= 3 });
    expect(rest.ended).toBe(false);
    expect(rest.messages.map((m) => m.id)).toEqual([sb, sa2, sa2].map(String));

    const other = await readSse(await open(baseA, "all=1", { token: TOKENS.globex, lastEventId: String(sa) }), {
      until: (r) => r.messages.length >= 2,
    });
    expect(other.messages.every((m) => (m.data as { job_id: string }).job_id === theirs._id)).toBe(true);

    const both = await open(baseA, `all=1&job_id=${a._id}`);
    expect(both.status).toBe(400);
  });

  it("follow=1 keeps a finished job's stream open instead of answering 204", async () => {
    const job = await h.insertJob();
    const s1 = await h.publishEvent(ev.cancelled(job));
    expect((await open(baseA, `job_id=${job._id}`, { lastEventId: String(s1) })).status).toBe(204);
    const res = await open(baseA, `job_id=${job._id}&follow=1`, { lastEventId: String(s1) });
    expect(res.status).toBe(200);
    const read = await readSse(res, { until: (r) => r.comments.includes("keep-alive"), timeoutMs: 5_000 });
    expect(read.ended).toBe(false);
    expect(read.messages).toEqual([]);
  });

  it("a client that does not read is closed with a retry hint while another client on the replica keeps receiving", async () => {
    const job = await h.insertJob();
    const slow = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(`${baseA}/api/ai/jobs/stream/?all=1`, { headers: { authorization: `Bearer ${TOKENS.acme}` } })
        .once("response", resolve)
        .once("error", reject);
    });
    expect(slow.statusCode).toBe(200);
    slow.pause();
    const normal = await open(baseA, `job_id=${job._id}`);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const filler = "x".repeat(4_096);
    const total = 2_000;
    const reading = readSse(normal, { timeoutMs: 60_000 });
    await h.publishEvent(ev.started(job));
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          h.publishEvent(ev.progress(job, { message: `${i + k + 1} ${filler}` }), i + k + 1),
        ),
      );
    }
    const last = await h.publishEvent(ev.succeeded(job, { plan_id: "plan_fast" }));
    const fast = await reading;
    expect(fast.ended).toBe(true);
    expect(fast.messages.filter((m) => m.event === "progress")).toHaveLength(total);

    // The slow client, reading at last, finds its stream cut short with a retry hint.
    let body = "";
    slow.setEncoding("utf8");
    slow.resume();
    await new Promise<void>((resolve) => {
      slow.on("data", (chunk: string) => {
        body += chunk;
      });
      slow.once("end", resolve);
      slow.once("close", resolve);
      slow.once("error", () => resolve());
    });
    expect(body).toContain("retry: 2000\n");
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeLessThan(total);
    expect(ids.at(-1)).toBeLessThan(last);

    // It resumes where it stopped, and gets the rest.
    const lastSeen = ids.at(-1);
    const resumed = await open(baseB, "all=1", { lastEventId: String(lastSeen) });
    const rest = await readSse(resumed, {
      until: (r) => r.messages.some((m) => m.id === String(last) && m.event === "meta"),
      timeoutMs: 30_000,
    });
    const restIds = [...new Set(rest.messages.map((m) => Number(m.id)))];
    expect(restIds[0]).toBe((lastSeen ?? 0) + 1);
    expect(new Set([...ids, ...restIds]).size).toBe(
      ids.length === 0 ? restIds.length : new Set(ids).size + restIds.length,
    );
  }, 120_000);
});
