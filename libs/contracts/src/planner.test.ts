import { describe, expect, it } from "vitest";
import { JobEvent, statusAfter } from "./events.js";
import { completionOf, dayStatusOf } from "./progress.js";
import { formatSse, toSseMessages } from "./sse.js";

describe("partial content in progress events", () => {
  const event = JobEvent.parse({
    jobId: "j1",
    tenantId: "acme",
    type: "plan.generate",
    attempt: 1,
    at: "2026-11-22T10:00:00.000Z",
    kind: "progress",
    data: {
      pct: 31,
      step: "days",
      message: "day 3/14 drafted",
      partial: { days: [{ index: 2, title: "Cells", sections: [{ id: "s1", tasks: [{ title: "Read" }] }] }] },
    },
  });

  it("reaches SSE clients with the progress message, and changes no job status", () => {
    const [message] = toSseMessages(event, 42);
    expect(message?.event).toBe("progress");
    expect(formatSse(message ?? { event: "progress", id: "", data: { job_id: "", message: "" } })).toContain(
      '"partial":{"days":[{"index":2,"title":"Cells"',
    );
    expect(statusAfter(event.kind)).toBeUndefined();
  });
});

describe("task progress rules", () => {
  it("a day is done when all its tasks are done or skipped, pending while all are to do", () => {
    expect(dayStatusOf(["done", "skipped"])).toBe("done");
    expect(dayStatusOf(["todo", "todo"])).toBe("pending");
    expect(dayStatusOf(["todo", "done"])).toBe("in_progress");
    expect(dayStatusOf([])).toBe("pending");
  });

  it("a plan's completion counts finished tasks and adds up minutes spent", () => {
    expect(
      completionOf([
        { status: "done", timeSpentMinutes: 10 },
        { status: "skipped", timeSpentMinutes: 0 },
        { status: "in_progress", timeSpentMinutes: 5 },
      ]),
    ).toEqual({ doneTasks: 2, totalTasks: 3, pct: 66, minutesSpent: 15 });
    expect(completionOf([])).toEqual({ doneTasks: 0, totalTasks: 0, pct: 0, minutesSpent: 0 });
  });
});
