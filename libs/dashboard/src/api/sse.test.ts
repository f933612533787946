import { describe, expect, it } from "vitest";
import { parseMessage } from "./sse.js";

describe("an SSE message of the job stream", () => {
  it("reads id, event and JSON data", () => {
    expect(parseMessage('id: 12\nevent: meta\ndata: {"job_id":"j1","status":"running"}')).toEqual({
      id: "12",
      event: "meta",
      data: { job_id: "j1", status: "running" },
    });
  });

  it("skips keep-alive comments and messages that name no job", () => {
    expect(parseMessage(": keep-alive")).toBeUndefined();
    expect(parseMessage("retry: 2000")).toBeUndefined();
    expect(parseMessage('event: meta\ndata: {"status":"running"}')).toBeUndefined();
  });

  it("refuses data that is not JSON", () => {
    expect(() => parseMessage("event: meta\ndata: {oops")).toThrow(/malformed/);
  });
});
