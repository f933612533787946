import { describe, expect, it } from "vitest";
import { type SseItem, SseParser } from "./parser.js";

const messages = (items: SseItem[]) => items.flatMap((i) => (i.kind === "message" ? [i.message] : []));

function feedAll(chunks: string[]): SseItem[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

describe("SseParser", () => {
  it("parses the API's messages: id, event, data; comments are skipped", () => {
    const text =
      ': keep-alive\n\nid: 12\nevent: meta\ndata: {"job_id":"J","status":"running"}\n\n' +
      'id: 13\nevent: progress\ndata: {"job_id":"J","message":"m"}\n\n';
    expect(messages(feedAll([text]))).toEqual([
      { id: "12", event: "meta", data: '{"job_id":"J","status":"running"}' },
      { id: "13", event: "progress", data: '{"job_id":"J","message":"m"}' },
    ]);
  });

  it("gives the same messages whatever the chunking, down to one character at a time", () => {
    const text = "id: 1\r\nevent: a\r\ndata: x\r\n\r\nid: 2\revent: b\rdata: y\r\rid: 3\nevent: c\ndata: z\n\n";
    const whole = messages(feedAll([text]));
    expect(whole.map((m) => `${m.id}${m.event}${m.data}`)).toEqual(["1ax", "2by", "3cz"]);
    expect(messages(feedAll([...text]))).toEqual(whole);
    // A CR ending one chunk and the LF starting the next are one line end, not two.
    expect(messages(feedAll(["id: 1\r", "\nevent: a\r", "\ndata: x\r", "\n\r", "\n"]))).toEqual([whole[0]]);
  });

  it("follows the spec's field rules", () => {
    const text =
      "\uFEFFdata:no space\ndata:  two spaces\ndata\n\n" + // BOM dropped; one space stripped; a bare field
      "event: x\nid: a\u0000b\ndata: kept\n\n" + // an id holding NUL is ignored
      "event: nodata\n\n" + // no data: nothing dispatched, and the event name does not leak into the next
      "data: last\n\n";
    expect(messages(feedAll([text]))).toEqual([
      { event: "message", data: "no space\n two spaces\n", id: undefined },
      { event: "x", data: "kept", id: undefined },
      { event: "message", data: "last", id: undefined },
    ]);
  });

  it("keeps the last id for messages that set none, and reports retry times", () => {
    const items = feedAll(["id: 7\ndata: a\n\nretry: 2000\nretry: soon\ndata: b\n\n"]);
    expect(items).toEqual([
      { kind: "message", message: { event: "message", data: "a", id: "7" } },
      { kind: "retry", ms: 2000 },
      { kind: "message", message: { event: "message", data: "b", id: "7" } },
    ]);
  });

  it("never delivers a message that the stream cut before its blank line", () => {
    expect(messages(feedAll(["id: 1\ndata: whole\n\nid: 2\ndata: cut in the mid"]))).toHaveLength(1);
    expect(messages(feedAll(["id: 1\ndata: whole\n\nid: 2\ndata: cut after its line\n"]))).toHaveLength(1);
  });
});
