import { describe, expect, it } from "vitest";
import { AiJobsClient } from "../client.js";
import { ApiError, ConnectionError, ResponseError } from "../errors.js";
import type { FetchLike } from "../options.js";
import type { WatchEvent } from "./events.js";

const frame = (id: number, event: string, data: Record<string, unknown>) =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * A body that sends `text` then ends, breaks (the connection is cut) or hangs; aborting the request errors it, as
 * fetch does.
 */
function body(text: string, end: Ending, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    // The ending comes once the text was read: an errored stream drops what it still holds.
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode(text));
      } else if (end === "end") controller.close();
      else if (end === "break") controller.error(new TypeError("terminated"));
      else {
        let open = true;
        signal?.addEventListener("abort", () => {
          if (open) controller.error(signal.reason);
          open = false;
        });
        // A number: the server ends the stream that many ms later (if the request was not aborted before).
        if (typeof end === "number") {
          setTimeout(() => {
            if (open) controller.close();
            open = false;
          }, end);
        }
      }
    },
  });
}

/** How a body ends once its text was read: at once, broken, never (until aborted), or after some ms. */
type Ending = "end" | "break" | "hang" | number;

type Answer = (signal: AbortSignal | undefined) => Response;

const sse =
  (text: string, end: Ending = "end"): Answer =>
  (signal) =>
    new Response(body(text, end, signal), { headers: { "content-type": "text/event-stream" } });

function scripted(answers: Answer[]) {
  const lastEventIds: Array<string | undefined> = [];
  const fetch: FetchLike = async (_url, init) => {
    lastEventIds.push(new Headers(init.headers).get("last-event-id") ?? undefined);
    const answer = answers[lastEventIds.length - 1];
    if (!answer) throw new TypeError("fetch failed: connection refused");
    return answer(init.signal ?? undefined);
  };
  const client = new AiJobsClient({ baseUrl: "http://h", token: "t", fetch });
  return { client, lastEventIds };
}

const fast = { reconnect: { initialDelayMs: 1, maxDelayMs: 5 } };

async function collect(events: AsyncIterable<WatchEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const e of events) seen.push(`${e.id}:${e.type}${e.type === "meta" ? `:${e.status}` : ""}`);
  return seen;
}

const J = { job_id: "J" };

describe("watch", () => {
  it("types the events and ends when the server ends the stream after the job's terminal meta", async () => {
    const { client } = scripted([
      sse(
        ": keep-alive\n\n" +
          frame(1, "meta", { ...J, status: "queued" }) +
          frame(2, "progress", { ...J, pct: 50, step: "drafting", message: "half", partial: { days: [] } }) +
          frame(3, "result", { ...J, plan_id: "P" }) +
          frame(3, "meta", { ...J, status: "succeeded" }),
      ),
    ]);
    const events: WatchEvent[] = [];
    for await (const e of client.watch("J")) events.push(e);
    expect(events).toEqual([
      { type: "meta", id: "1", job_id: "J", status: "queued" },
      { type: "progress", id: "2", job_id: "J", pct: 50, step: "drafting", message: "half", partial: { days: [] } },
      { type: "result", id: "3", job_id: "J", result: { plan_id: "P" } },
      { type: "meta", id: "3", job_id: "J", status: "succeeded" },
    ]);
  });

  it("gives a job's failure as an error event with its code, never as a thrown error", async () => {
    const { client } = scripted([
      sse(
        frame(5, "error", { ...J, code: "NOT_FOUND", message: "no day" }) +
          frame(5, "meta", { ...J, status: "failed" }),
      ),
    ]);
    const events: WatchEvent[] = [];
    for await (const e of client.watch("J")) events.push(e);
    expect(events[0]).toEqual({ type: "error", id: "5", job_id: "J", code: "NOT_FOUND", message: "no day" });
  });

  it("reconnects after a cut with Last-Event-ID and delivers every event once, in order", async () => {
    const { client, lastEventIds } = scripted([
      // Cut between the result and the meta of the same event.
      sse(frame(1, "meta", { ...J, status: "running" }) + frame(2, "result", { ...J }), "break"),
      () => {
        throw new TypeError("fetch failed");
      },
      sse(frame(2, "result", { ...J }) + frame(2, "meta", { ...J, status: "succeeded" })),
    ]);
    expect(await collect(client.watch("J", fast))).toEqual(["1:meta:running", "2:result", "2:meta:succeeded"]);
    expect(lastEventIds).toEqual([undefined, "1", "1"]);
  });

  it("reconnects when the stream ends before the job did, and stops on a 204 (nothing owed)", async () => {
    const { client, lastEventIds } = scripted([
      sse(frame(1, "meta", { ...J, status: "running" })),
      () => new Response(null, { status: 204 }),
    ]);
    expect(await collect(client.watch("J", fast))).toEqual(["1:meta:running"]);
    expect(lastEventIds).toEqual([undefined, "0"]);
  });

  it("throws a refusal that a reconnection cannot cure (404), at once", async () => {
    const { client, lastEventIds } = scripted([
      () =>
        Response.json(
          { type: "urn:ai-jobs:problem:not-found", title: "Not Found", status: 404, code: "NOT_FOUND" },
          { status: 404, headers: { "content-type": "application/problem+json" } },
        ),
    ]);
    await expect(collect(client.watch("J", fast))).rejects.toBeInstanceOf(ApiError);
    expect(lastEventIds).toHaveLength(1);
  });

  it("gives up with a ConnectionError after maxAttempts failed reconnections in a row", async () => {
    const { client, lastEventIds } = scripted([]);
    const err = await collect(client.watch("J", { reconnect: { ...fast.reconnect, maxAttempts: 3 } })).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(lastEventIds).toHaveLength(4);
  });

  it("replaces a connection that stays silent past idleTimeoutMs", async () => {
    const { client, lastEventIds } = scripted([
      sse(frame(1, "meta", { ...J, status: "running" }), "hang"),
      sse(frame(2, "meta", { ...J, status: "cancelled" })),
    ]);
    const events = await collect(client.watch("J", { reconnect: { ...fast.reconnect, idleTimeoutMs: 50 } }));
    expect(events).toEqual(["1:meta:running", "2:meta:cancelled"]);
    expect(lastEventIds).toEqual([undefined, "0"]);
  });

  it("does not count the caller's time with an event as the server's silence", async () => {
    // Each event is held 100 ms, past the 60 ms idle timeout; the server ends the stream 10 ms after the last.
    const { client, lastEventIds } = scripted([
      sse(frame(1, "meta", { ...J, status: "running" }) + frame(2, "meta", { ...J, status: "succeeded" }), 210),
    ]);
    const seen: string[] = [];
    for await (const e of client.watch("J", { reconnect: { ...fast.reconnect, idleTimeoutMs: 60 } })) {
      seen.push(e.id);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen).toEqual(["1", "2"]);
    expect(lastEventIds).toHaveLength(1);
  });

  it("throws a malformed event as a ResponseError, and skips event names it does not know", async () => {
    const { client } = scripted([sse(`event: hello\ndata: {}\n\n${frame(1, "meta", { ...J, status: "exploded" })}`)]);
    await expect(collect(client.watch("J"))).rejects.toBeInstanceOf(ResponseError);
  });

  it("ends with the signal's reason when aborted", async () => {
    const { client } = scripted([sse(frame(1, "meta", { ...J, status: "running" }), "hang")]);
    const abort = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of client.watch("J", { signal: abort.signal })) {
        seen.push(e.id);
        abort.abort(new Error("enough"));
      }
    })().catch((e) => e);
    expect(seen).toEqual(["1"]);
    expect(err).toEqual(new Error("enough"));
  });

  it("does not end at a terminal status in the history of a job retried since", async () => {
    const { client, lastEventIds } = scripted([
      sse(
        frame(1, "meta", { ...J, status: "cancelled" }) +
          frame(2, "meta", { ...J, status: "queued" }) +
          frame(3, "meta", { ...J, status: "running" }),
      ),
      sse(frame(4, "meta", { ...J, status: "succeeded" })),
    ]);
    expect(await collect(client.watch("J", fast))).toEqual([
      "1:meta:cancelled",
      "2:meta:queued",
      "3:meta:running",
      "4:meta:succeeded",
    ]);
    expect(lastEventIds).toEqual([undefined, "2"]);
  });

  it("skips a terminal meta repeating the job's status (a stand-in sent again after a resume)", async () => {
    const K = { job_id: "K" };
    const { client } = scripted([
      sse(frame(9, "meta", { ...J, status: "succeeded" }) + frame(3, "meta", { ...K, status: "running" }), "break"),
      sse(frame(9, "meta", { ...J, status: "succeeded" }) + frame(4, "meta", { ...K, status: "failed" })),
    ]);
    expect(await collect(client.watch(["J", "K"], fast))).toEqual([
      "9:meta:succeeded",
      "3:meta:running",
      "4:meta:failed",
    ]);
  });

  it("follows several jobs until each has ended", async () => {
    const K = { job_id: "K" };
    const { client } = scripted([
      sse(
        frame(1, "meta", { ...J, status: "succeeded" }) +
          frame(2, "meta", { ...K, status: "running" }) +
          frame(3, "meta", { ...K, status: "failed" }),
      ),
    ]);
    expect(await collect(client.watch(["J", "K", "J"]))).toEqual([
      "1:meta:succeeded",
      "2:meta:running",
      "3:meta:failed",
    ]);
  });
});
