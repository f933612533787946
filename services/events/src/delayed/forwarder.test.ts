import { HEADERS, type JobCommand, STREAMS, SUBJECTS, scheduleOf } from "@ai-jobs/contracts";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { headers } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DurableConsumer } from "../durable-consumer.js";
import { startHarness } from "../testing/harness.js";
import { createDelayedForwarder } from "./forwarder.js";

/** JOBS holds this many messages at most in this suite, so it can be filled. */
const JOBS_MAX = 3;
const RETRY_MS = 300;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

const h = useHarness(() => startHarness({ JOBS_MAX_MSGS: String(JOBS_MAX) }));
let forwarder: DurableConsumer;
const lines: string[] = [];
const log = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });

beforeAll(async () => {
  forwarder = createDelayedForwarder({ nats: h.ctx.nats, messaging: h.ctx.messaging, log, retryDelayMs: RETRY_MS });
  await forwarder.start();
});

afterAll(async () => {
  await forwarder?.stop();
});

beforeEach(async () => {
  await h.ctx.nats.jsm.streams.purge(STREAMS.jobs);
});

function commandFor(tenantId: string): JobCommand {
  return {
    jobId: h.newId(),
    tenantId,
    userId: "u1",
    type: "material.ingest",
    queue: "ingest",
    priority: "normal",
    payload: { documentId: "d1" },
    createdAt: new Date().toISOString(),
  };
}

/** Publishes a due message as a fired schedule would: on `delayed.due.…`, with a trace context and the job type. */
async function publishDue(command: JobCommand): Promise<void> {
  const hdrs = headers();
  hdrs.set("traceparent", `00-${TRACE_ID}-00f067aa0ba902b7-01`);
  hdrs.set(HEADERS.jobType, command.type);
  await h.ctx.nats.js.publish(
    SUBJECTS.delayedDue(command.queue, command.priority, command.tenantId),
    JSON.stringify(command),
    { headers: hdrs },
  );
}

/** The command's message in JOBS, or undefined (so it can be a waitFor probe). */
const jobsMessage = async (command: JobCommand) =>
  (await h.ctx.nats.jsm.streams.getMessage(STREAMS.jobs, {
    last_by_subj: SUBJECTS.job(command.queue, command.priority, command.tenantId),
  })) ?? undefined;

/** Waits until the forwarder has acked everything JOBS_DELAYED's due subjects hold. */
async function forwarderIdle(): Promise<void> {
  await waitFor(
    async () => {
      const info = await h.ctx.nats.jsm.consumers.info(STREAMS.delayed, "events_delayed_forwarder");
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { what: "the forwarder to ack everything" },
  );
}

describe("delayed-job forwarder", () => {
  it("moves a due command into JOBS with Nats-Msg-Id = jobId, its bytes, its job type and its trace", async () => {
    const command = commandFor("fwd1");
    await publishDue(command);
    const moved = await waitFor(() => jobsMessage(command), { what: "the command in JOBS" });
    expect(moved.json()).toEqual(command);
    expect(moved.header.get(HEADERS.msgId)).toBe(command.jobId);
    expect(moved.header.get(HEADERS.jobType)).toBe("material.ingest");
    // The publish span is a child of the schedule's trace.
    expect(moved.header.get("traceparent")).toMatch(new RegExp(`^00-${TRACE_ID}-`));
    await forwarderIdle();
  });

  it("a due command fired twice (a redelivery, a re-fired schedule) reaches JOBS once", async () => {
    const command = commandFor("fwd2");
    await publishDue(command);
    await publishDue(command);
    await forwarderIdle();
    expect(await h.countOn(STREAMS.jobs, SUBJECTS.job("ingest", "normal", "fwd2"))).toBe(1);
  });

  it("while JOBS is full a due job waits (nak with a delay) and is moved as soon as there is room", async () => {
    const fillers = Array.from({ length: JOBS_MAX }, () => commandFor("filler"));
    const seqs: number[] = [];
    for (const c of fillers) {
      seqs.push((await h.ctx.messaging.publish(SUBJECTS.job("ingest", "low", "filler"), c, { msgId: c.jobId })).seq);
    }
    const command = commandFor("fwd3");
    await publishDue(command);
    await waitFor(() => lines.some((l) => l.includes("JOBS refused a due job") && l.includes(command.jobId)), {
      what: "the forwarder to meet the full queue",
    });
    await new Promise((resolve) => setTimeout(resolve, 3 * RETRY_MS));
    expect(await jobsMessage(command)).toBeUndefined();
    const held = await h.ctx.nats.jsm.consumers.info(STREAMS.delayed, "events_delayed_forwarder");
    expect(held.num_ack_pending + held.num_pending).toBe(1);

    // A worker takes one job: the late one gets its place.
    await h.ctx.nats.jsm.streams.deleteMessage(STREAMS.jobs, seqs[0] ?? 0);
    const moved = await waitFor(() => jobsMessage(command), { what: "the late job in JOBS" });
    expect(moved.json()).toEqual(command);
    await forwarderIdle();
  });

  it("end to end: a scheduled command reaches JOBS at its time, not before", async () => {
    const command = commandFor("fwd4");
    const runAt = new Date(Date.now() + 1_500);
    const { subject, headers: scheduleHeaders } = scheduleOf(command, runAt);
    await h.ctx.messaging.publish(subject, command, { msgId: `${command.jobId}:schedule`, headers: scheduleHeaders });
    expect(await jobsMessage(command)).toBeUndefined();
    const moved = await waitFor(() => jobsMessage(command), { what: "the scheduled job in JOBS", intervalMs: 50 });
    expect(Date.now()).toBeGreaterThanOrEqual(runAt.getTime());
    expect(moved.json()).toEqual(command);
  });
});
