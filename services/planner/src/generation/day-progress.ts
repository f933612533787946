import type { ProgressData, StudyTask } from "@ai-jobs/contracts";
import { dayPartial, throttled } from "../domain/partial-days.js";
import type { DayOutline, SectionTasks } from "../providers/types.js";

/** Per-day progress is throttled to about this many events, whatever the plan's length. */
const DAY_PROGRESS_EVENTS = 10;
/** While days stream in, a partial day is sent at most this often (for the whole job, not per day). */
export const PARTIAL_EVENT_MS = 1_000;
/** The outline is 10 %, the days 10–95 %; the last 5 % is the clean-up. */
const OUTLINE_PCT = 10;
const DAYS_PCT = 85;

export interface DayProgressOptions {
  outline: DayOutline[];
  signal: AbortSignal;
  /** Stores drafted days' tasks: runs before the event that reports those days. */
  saveTasks: (tasks: StudyTask[]) => Promise<void>;
  send: (update: ProgressData) => Promise<void>;
}

/** A drafted day waiting to be reported: its view for SSE clients and its tasks to store. */
interface Finished {
  partial: ReturnType<typeof dayPartial>;
  tasks: StudyTask[];
}

export interface DayProgress {
  /** A day's tasks are drafted; resolves once every event this made possible is stored and sent. */
  drafted(day: DayOutline, sections: SectionTasks[], tasks: StudyTask[]): Promise<void>;
  /** A day's answer so far, while it streams in (best effort, throttled). */
  streaming(day: DayOutline, answer: unknown): void;
}

/**
 * The progress of drafting a plan's days, which finish in any order when drafted in parallel. Events follow the
 * contiguous prefix of days that are done: "day k/n drafted" at every `every`-th day of it and at the last, each
 * carrying the days since the previous one (`partial.days`) after storing their tasks. So the events are those of a
 * sequential run whatever order the days finish in, pct never goes backwards and k only grows; a day done beyond a
 * gap waits in memory until the gap closes. While days stream in, one of them (whichever is streaming when the
 * throttle allows) goes out as a `drafting` event at the current pct.
 *
 * Events are sent one after another in the order they were made: two publishes in flight may land in either order.
 * A failed "drafted" event (or task write) fails every later one, and the drafting that awaits it.
 */
export function createDayProgress(opts: DayProgressOptions): DayProgress {
  const n = opts.outline.length;
  const every = Math.max(1, Math.ceil(n / DAY_PROGRESS_EVENTS));
  const pctAt = (days: number) => OUTLINE_PCT + Math.floor((DAYS_PCT * days) / n);
  const finished = new Map<number, Finished>();
  let ready = 0;
  let reported = 0;
  let pct = OUTLINE_PCT;
  let tail: Promise<void> = Promise.resolve();
  const enqueue = (send: () => Promise<void>): Promise<void> => {
    tail = tail.then(send);
    return tail;
  };

  const sendPartial = throttled<{ day: DayOutline; answer: unknown }>(PARTIAL_EVENT_MS, ({ day, answer }) => {
    const sections =
      typeof answer === "object" && answer !== null && "sections" in answer ? answer.sections : undefined;
    const update: ProgressData = {
      pct,
      step: "drafting",
      message: `drafting day ${day.index + 1}/${n}`,
      partial: { day: { index: day.index, date: day.date, title: day.title, sections } },
    };
    // Best effort: a lost partial costs nothing, and one sent after the job ended would only confuse.
    void enqueue(async () => {
      if (!opts.signal.aborted) await opts.send(update).catch(() => undefined);
    }).catch(() => undefined);
  });

  return {
    drafted(day, sections, tasks) {
      finished.set(day.index, { partial: dayPartial(day, sections), tasks });
      while (finished.has(ready)) ready += 1;
      let last: Promise<void> = Promise.resolve();
      for (let next = nextBoundary(reported); next <= ready; next = nextBoundary(reported)) {
        const batch: Finished[] = [];
        for (let index = reported; index < next; index++) {
          const done = finished.get(index);
          if (done) batch.push(done);
          finished.delete(index);
        }
        reported = next;
        pct = pctAt(next);
        const update: ProgressData = {
          pct,
          step: "days",
          message: `day ${next}/${n} drafted`,
          partial: { days: batch.map((d) => d.partial) },
        };
        last = enqueue(async () => {
          opts.signal.throwIfAborted();
          await opts.saveTasks(batch.flatMap((d) => d.tasks));
          await opts.send(update);
        });
      }
      return last;
    },
    streaming: (day, answer) => sendPartial({ day, answer }),
  };

  function nextBoundary(from: number): number {
    return from >= n ? Number.POSITIVE_INFINITY : Math.min(n, (Math.floor(from / every) + 1) * every);
  }
}
