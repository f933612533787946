import { describe, expect, it } from "vitest";
import { ResumeCursor } from "./resume.js";

/** Feeds one connection's ids; answers those delivered. */
const run = (cursor: ResumeCursor, ids: string[]) => ids.filter((id) => cursor.accept(id));

describe("ResumeCursor", () => {
  it("starts without Last-Event-ID, or after the id it was given", () => {
    expect(new ResumeCursor().connect()).toBeUndefined();
    expect(new ResumeCursor("41").connect()).toBe("41");
  });

  it("resumes from the last id's event again and drops what it already delivered of it", () => {
    const cursor = new ResumeCursor();
    cursor.connect();
    // A success is two messages with one id (result, meta): the connection broke between them.
    expect(run(cursor, ["3", "5", "9"])).toEqual(["3", "5", "9"]);
    expect(cursor.connect()).toBe("8");
    // The server sends id 9's messages again from the first: the one delivered is dropped, the second is new.
    expect(run(cursor, ["9", "9", "12"])).toEqual(["9", "12"]);
    expect(cursor.lastEventId).toBe("12");
  });

  it("drops every message of an id it delivered in full, and anything older", () => {
    const cursor = new ResumeCursor();
    cursor.connect();
    expect(run(cursor, ["4", "4"])).toEqual(["4", "4"]);
    expect(cursor.connect()).toBe("3");
    expect(run(cursor, ["2", "4", "4", "6"])).toEqual(["6"]);
  });

  it("resumes after an id that is no sequence, as an EventSource would", () => {
    const cursor = new ResumeCursor();
    cursor.connect();
    expect(run(cursor, ["a", "b"])).toEqual(["a", "b"]);
    expect(cursor.connect()).toBe("b");
    expect(run(cursor, ["c"])).toEqual(["c"]);
  });

  it("counts again from a new connection each time", () => {
    const cursor = new ResumeCursor();
    cursor.connect();
    expect(run(cursor, ["10"])).toEqual(["10"]);
    expect(cursor.connect()).toBe("9");
    expect(run(cursor, ["10", "10"])).toEqual(["10"]);
    // Two messages of 10 delivered by now.
    expect(cursor.connect()).toBe("9");
    expect(run(cursor, ["10", "10", "11"])).toEqual(["11"]);
  });
});
