/**
 * The SDK against the real stack (NATS, FerretDB and the four services as processes): submits, watches (through a
 * proxy that cuts the connection mid-stream), lists, cancel and retry, dead letters, typed errors, the opt-in retry
 * of a 429, and the browser stream URL.
 */
import { AiJobsClient, ApiError, type FetchLike, type WatchEvent } from "@ai-jobs/sdk";
import { readSse, waitFor } from "@ai-jobs/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserPage, findChromium, sdkBuilt, startBrowserPage } from "./support/browser.js";
import { type CutRule, lastEventIdOf, startCutProxy } from "./support/cut-proxy.js";
import { AUTH_TOKENS, type Stack, startStack, TOKEN } from "./support/stack.js";

/** A tenant of its own with a request limit of 2 per 2-second window: the 429s are this test's alone. */
const LIMITED_TOKEN = "sdk-limited-token";
const WINDOW_MS = 2_000;
const LIMIT = 2;

let stack: Stack;
let client: AiJobsClient;
/** A page origin and a headless Chromium, where this machine has one and the SDK is built (`npm run build`). */
const chromium = sdkBuilt() ? findChromium() : undefined;
let page: BrowserPage | undefined;

beforeAll(async () => {
  if (chromium) page = await startBrowserPage(chromium);
  stack = await startStack({
    // The page's origin may call the gateway and the events service.
    ...(page ? { CORS_ORIGINS: page.origin } : {}),
    STREAM_TOKEN_SECRET: "sdk-stream-token-secret-of-32-bytes-min",
    AUTH_TOKENS: `${AUTH_TOKENS},${LIMITED_TOKEN}:limited:owner`,
    RATE_LIMIT_TENANTS: `limited=${LIMIT}`,
    RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
    // Long enough a plan generation (a day drafted every 150 ms) to cut its stream twice.
    OFFLINE_STEP_DELAY_MS: "150",
  });
  client = new AiJobsClient({ baseUrl: stack.gatewayUrl, token: TOKEN });
}, 120_000);

afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

const WEEK = { goal: "Learn linear algebra", start_date: "2026-12-01", end_date: "2026-12-07" };

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** `meta:running`, `progress`, … : the events' shape in one line each. */
const names = (events: WatchEvent[]) => events.map((e) => (e.type === "meta" ? `meta:${e.status}` : e.type));

/** A fetch that counts its calls and their statuses. */
function counting(): { fetch: FetchLike; statuses: number[] } {
  const statuses: number[] = [];
  return {
    statuses,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      statuses.push(res.status);
      return res;
    },
  };
}

describe("submit and watch", () => {
  let planId = "";

  it("submits a plan and watches it to its result: typed events, ids increasing, then the plan", async () => {
    const plan = await client.submitPlan(WEEK);
    expect(plan.generation_status).toBe("pending");
    planId = plan.id;

    const events = await all(client.watch(plan.job_id));
    const seen = names(events);
    expect(seen.slice(0, 2)).toEqual(["meta:queued", "meta:running"]);
    expect(seen.slice(-2)).toEqual(["result", "meta:succeeded"]);
    expect(seen.filter((n) => n === "progress").length).toBeGreaterThanOrEqual(7);
    const result = events.find((e) => e.type === "result");
    expect(result).toMatchObject({ job_id: plan.job_id, result: { plan_id: planId, day_count: 7 } });
    const ids = events.map((e) => Number(e.id));
    expect(ids.every((id, i) => i === 0 || id >= (ids[i - 1] ?? 0))).toBe(true);

    const read = await client.getPlan(planId);
    expect(read).toMatchObject({ id: planId, generation_status: "succeeded" });
    expect(read.days).toHaveLength(7);
    await waitFor(async () => (await client.getJob(plan.job_id)).status === "succeeded", { what: "the job record" });
    const history = await client.events(plan.job_id);
    expect(history.map((e) => e.kind)).toContain("succeeded");
  });

  it("resumes a watch whose connection is cut twice mid-stream: every event once, in order", async () => {
    const { job_id } = await client.submitPlan({ ...WEEK, title: "cut twice" });
    // Connection 0 is cut inside its second progress message; connection 1 between the result and the meta that
    // share one id (the success); connection 2 is left alone.
    const rules: CutRule[] = [
      cutWhere((text) => nthIndexOf(text, "event: progress", 2, 8)),
      cutWhere((text) => {
        const result = text.indexOf("event: result");
        const end = result < 0 ? -1 : text.indexOf("\n\n", result);
        return end < 0 ? undefined : end + 2;
      }),
    ];
    const proxy = await startCutProxy(stack.gatewayUrl, (connection, chunk) =>
      rules[connection.index]?.(connection, chunk),
    );
    try {
      const through = new AiJobsClient({ baseUrl: proxy.url, token: TOKEN });
      const events: WatchEvent[] = [];
      /** The connection each event came over. */
      const over: number[] = [];
      for await (const event of through.watch(job_id, { reconnect: { initialDelayMs: 20 } })) {
        events.push(event);
        over.push(proxy.connections.length - 1);
      }

      // The whole history of the finished job, read in one go, is the reference.
      const reference = await all(client.watch(job_id));
      expect(events).toEqual(reference);
      expect(names(events).slice(-2)).toEqual(["result", "meta:succeeded"]);

      expect(proxy.connections.map((c) => c.cut)).toEqual([true, true, false]);
      // Each reconnection asked for the stream from the last event's id again (id - 1), and got what was missing.
      const lastOf = (n: number) => events[over.lastIndexOf(n)];
      expect(lastEventIdOf(proxy.connections[0] ?? never())).toBeUndefined();
      expect(lastEventIdOf(proxy.connections[1] ?? never())).toBe(String(Number(lastOf(0)?.id) - 1));
      expect(lastEventIdOf(proxy.connections[2] ?? never())).toBe(String(Number(lastOf(1)?.id) - 1));
      // The progress message cut in half came whole over the next connection; the result and its meta came apart.
      expect(names(events.filter((_, i) => over[i] === 0))).toContain("progress");
      expect(events[over.indexOf(1)]?.type).toBe("progress");
      expect(names(events.filter((_, i) => over[i] === 1)).at(-1)).toBe("result");
      expect(names(events.filter((_, i) => over[i] === 2))).toEqual(["meta:succeeded"]);
    } finally {
      await proxy.close();
    }
  });

  it("opens the stream URL (stream token, no Authorization header) as an EventSource would", async () => {
    const { job_id } = await client.submitPlan({ ...WEEK, end_date: "2026-12-02" });
    const url = await client.streamUrl([job_id]);
    expect(url).toMatch(/\/api\/ai\/jobs\/stream\/\?job_id=[^&]+&token=/);
    const res = await fetch(url, { headers: { accept: "text/event-stream" } });
    expect(res.status).toBe(200);
    const { messages: events } = await readSse(res);
    expect(events.map((e) => e.event)).toContain("result");
    expect(events.at(-1)).toMatchObject({ event: "meta", data: { job_id, status: "succeeded" } });
  });

  it("uploads material from bytes or a Blob, once per Idempotency-Key, and watches the ingest", async () => {
    const bytes = new TextEncoder().encode("# Vectors\n\nA vector space is closed under addition.\n");
    const first = await client.submitMaterial(planId, { file: bytes, filename: "notes.md" }, { idempotencyKey: "u1" });
    const again = await client.submitMaterial(planId, { file: bytes, filename: "notes.md" }, { idempotencyKey: "u1" });
    expect(again).toEqual(first);
    const events = await all(client.watch(first.job_id));
    expect(events.find((e) => e.type === "result")).toMatchObject({ result: { document_id: first.document_id } });

    const blob = new Blob(["Plain notes on matrices."], { type: "text/plain" });
    const second = await client.submitMaterial(planId, { file: blob, filename: "matrices.txt", priority: "high" });
    expect(second.job_id).not.toBe(first.job_id);
    expect(names(await all(client.watch(second.job_id))).at(-1)).toBe("meta:succeeded");
  });

  it("submits an export and downloads its file", async () => {
    const { job_id } = await client.submitExport(planId);
    const events = await all(client.watch(job_id));
    const result = events.find((e) => e.type === "result");
    expect(result?.result.export_id).toBe(job_id);
    const file = await client.downloadExport(job_id);
    expect(file.filename).toMatch(/\.xlsx$/);
    expect(file.data.size).toBeGreaterThan(1_000);
  });
});

describe("in a browser (headless Chromium)", () => {
  it.skipIf(!chromium)(
    "submits and watches over fetch, throws typed errors, and opens stream URLs with a native EventSource",
    async () => {
      const script = `
        import { AiJobsClient, ApiError } from "@ai-jobs/sdk";
        const client = new AiJobsClient({ baseUrl: ${JSON.stringify(stack.gatewayUrl)}, token: ${JSON.stringify(TOKEN)} });
        const plan = await client.submitPlan(${JSON.stringify({ ...WEEK, end_date: "2026-12-02" })});
        const watched = [];
        for await (const e of client.watch(plan.job_id)) watched.push(e.type === "meta" ? "meta:" + e.status : e.type);
        const notFound = await client.getJob("01NOSUCHJOB0000000000000000").catch((e) => e instanceof ApiError && e.code);
        // A native EventSource on the token URL, here on a job that fails: its "error" listener hears the job's
        // failure (with data) and then its own connection error (no data) when the finished stream is not reopened.
        const failing = await client.submitDayGeneration(plan.id, "no-such-day");
        const heard = await new Promise(async (resolve) => {
          const seen = [];
          const source = new EventSource(await client.streamUrl([failing.job_id]));
          for (const name of ["meta", "progress", "result", "error"]) {
            source.addEventListener(name, (e) => {
              const data = e instanceof MessageEvent && e.data ? JSON.parse(e.data) : undefined;
              seen.push(name === "meta" ? "meta:" + data.status : name === "error" ? (data ? "error:" + data.code : "error:connection") : name);
              if (name === "error" && !data) { source.close(); resolve(seen); }
            });
          }
        });
        await report({ userAgent: navigator.userAgent, watched, notFound, heard });
      `;
      const outcome = (await page?.run(script, 45_000)) as Record<string, unknown>;
      expect(outcome).not.toHaveProperty("thrown");
      expect(outcome.userAgent).toContain("Chrome");
      expect((outcome.watched as string[]).slice(-2)).toEqual(["result", "meta:succeeded"]);
      expect(outcome.notFound).toBe("NOT_FOUND");
      expect((outcome.heard as string[]).slice(-3)).toEqual(["error:NOT_FOUND", "meta:failed", "error:connection"]);
    },
  );
});

describe("jobs", () => {
  it("lists every job page by page with next_cursor", async () => {
    const everything = await waitFor(
      async () => {
        const page = await client.listJobsPage({ limit: 200 });
        return page.items.length >= 5 ? page.items : undefined;
      },
      { what: "the jobs so far to be listed", timeoutMs: 15_000 },
    );
    const { fetch, statuses } = counting();
    const paging = new AiJobsClient({ baseUrl: stack.gatewayUrl, token: TOKEN, fetch });
    const listed = await all(paging.listJobs({ limit: 2 }));
    expect(listed.map((j) => j.job_id)).toEqual(everything.map((j) => j.job_id));
    expect(statuses).toEqual(Array(Math.ceil(everything.length / 2)).fill(200));
    const plans = await all(client.listJobs({ type: "plan.generate", status: "succeeded", limit: 1 }));
    expect(plans.length).toBeGreaterThanOrEqual(3);
    expect(plans.every((j) => j.type === "plan.generate" && j.status === "succeeded")).toBe(true);
  });

  it("cancels a delayed job, retries it (it runs now) and watches it succeed", async () => {
    const { job_id } = await client.submitPlan({ ...WEEK, end_date: "2026-12-01", delay_ms: 600_000 });
    const cancelled = await client.cancel(job_id);
    expect(cancelled.status).toBe("cancelled");
    await waitFor(async () => (await client.getJob(job_id)).status === "cancelled", { what: "the cancel" });
    const retried = await client.retry(job_id);
    expect(retried).toMatchObject({ status: "queued", retries: 1 });
    const events = await all(client.watch(job_id));
    expect(names(events)).toContain("meta:cancelled");
    expect(names(events).slice(-2)).toEqual(["result", "meta:succeeded"]);
  });

  it("gives a failed job as an error event, lists its dead letter and replays it", async () => {
    const plan = await client.submitPlan({ ...WEEK, end_date: "2026-12-01" });
    await all(client.watch(plan.job_id));
    const { job_id } = await client.submitDayGeneration(plan.id, "no-such-day");
    const events = await all(client.watch(job_id));
    expect(events.find((e) => e.type === "error")).toMatchObject({ type: "error", job_id, code: "NOT_FOUND" });
    expect(names(events).at(-1)).toBe("meta:failed");

    const dead = await waitFor(
      async () => (await all(client.deadLetters({ limit: 1 }))).find((d) => d.job_id === job_id),
      { what: "the dead letter", timeoutMs: 15_000 },
    );
    const replayed = await client.replay(dead.seq);
    expect(replayed).toMatchObject({ job_id, status: "queued" });
  });

  it("reads the queues as an admin", async () => {
    const stats = await client.queues();
    expect(stats.queues.map((q) => q.queue).sort()).toEqual(["ai_generation", "ingest"]);
  });
});

describe("typed errors", () => {
  it("a 404 and a 400 are ApiErrors with the problem's fields", async () => {
    const missing = await client.getJob("01NOSUCHJOB0000000000000000").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ status: 404, code: "NOT_FOUND", type: "urn:ai-jobs:problem:not-found" });

    const invalid = await client.submitPlan({ ...WEEK, end_date: "2026-11-01" }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ApiError);
    expect(invalid).toMatchObject({
      status: 400,
      code: "VALIDATION_FAILED",
      title: "Bad Request",
      errors: [{ field: "end_date", message: "must not be before start_date" }],
    });
    await expect(all(client.watch("01NOSUCHJOB0000000000000000"))).rejects.toMatchObject({ status: 404 });
  });

  it("a 429 carries Retry-After; the opt-in retry waits it out and succeeds, on 429 only", async () => {
    const limited = new AiJobsClient({ baseUrl: stack.gatewayUrl, token: LIMITED_TOKEN });
    // The limit is per fixed window: whatever window this starts in, a third request within it is refused.
    let refused: unknown;
    for (let i = 0; i <= LIMIT * 2 && refused === undefined; i++) {
      refused = await limited.listJobsPage({ limit: 1 }).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 429, code: "RATE_LIMITED", type: "urn:ai-jobs:problem:rate-limited" });
    const retryAfter = (refused as ApiError).retryAfter ?? 0;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);

    // At the start of a fresh window, spend the limit: the next request is refused, then retried after Retry-After.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS - (Date.now() % WINDOW_MS) + 50));
    for (let i = 0; i < LIMIT; i++) await limited.listJobsPage({ limit: 1 });
    const { fetch, statuses } = counting();
    const retrying = new AiJobsClient({
      baseUrl: stack.gatewayUrl,
      token: LIMITED_TOKEN,
      fetch,
      retry: { attempts: 3, maxDelayMs: 5_000 },
    });
    const page = await retrying.listJobsPage({ limit: 1 });
    expect(page.items).toEqual([]);
    expect(statuses[0]).toBe(429);
    expect(statuses.at(-1)).toBe(200);

    // Another status is never retried, even with the retry on.
    statuses.length = 0;
    await expect(retrying.getJob("01NOSUCHJOB0000000000000000")).rejects.toMatchObject({ status: 404 });
    expect(statuses).toEqual([404]);
  });
});

/** A rule cutting where `find` points in everything the connection carried, once the server's bytes reach it. */
function cutWhere(find: (text: string) => number | undefined): CutRule {
  return (connection, chunk) => {
    const before = connection.forwarded.length;
    const at = find(connection.forwarded + chunk);
    if (at === undefined || at > before + chunk.length) return undefined;
    return Math.max(0, at - before);
  };
}

/** The offset `shift` past the `n`th occurrence of `needle`, if there are n. */
function nthIndexOf(text: string, needle: string, n: number, shift: number): number | undefined {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) return undefined;
  }
  return at + shift;
}

function never(): never {
  throw new Error("missing");
}
