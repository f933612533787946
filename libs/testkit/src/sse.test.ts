import { describe, expect, it } from "vitest";
import { readSse } from "./sse.js";

/** A response whose body sends `chunks` one by one, then ends (or stays open with `open`). */
function streamOf(chunks: string[], opts: { open?: boolean } = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (!opts.open) controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

describe("readSse", () => {
  it("parses ids, event names, multi-line data and comments across chunk boundaries, to the end", async () => {
    const read = await readSse(
      streamOf([
        ": keep-alive\n\nid: 1\nevent: meta\nda",
        'ta: {"status":"queued"}\n\nid: 2\ndata: {"a":\ndata: 1}\n\ndata: {"b":true}\n\n',
        ": bye\n\n",
      ]),
    );
    expect(read).toEqual({
      messages: [
        { id: "1", event: "meta", data: { status: "queued" } },
        { id: "2", event: "message", data: { a: 1 } },
        { id: undefined, event: "message", data: { b: true } },
      ],
      comments: ["keep-alive", "bye"],
      ended: true,
    });
  });

  it("stops once `until` holds, without waiting for the end", async () => {
    const read = await readSse(streamOf(['id: 1\nevent: progress\ndata: {"pct":10}\n\n'], { open: true }), {
      until: (r) => r.messages.length === 1,
    });
    expect(read.ended).toBe(false);
    expect(read.messages.map((m) => m.event)).toEqual(["progress"]);
  });

  it("fails with what it read when the stream neither ends nor satisfies `until` in time", async () => {
    await expect(readSse(streamOf(['data: {"n":1}\n\n'], { open: true }), { timeoutMs: 50 })).rejects.toThrow(
      /SSE read timed out; got so far: .*"n":1/,
    );
  });
});
