/**
 * What nats-server 2.12 does with message schedules, as the delayed-job design relies on it (checked against the real
 * server, not assumed from the ADR): a schedule fires into its target at its time, carries the publisher's headers
 * (the trace context among them) but not its Nats-Msg-Id, is removed once it has fired, and is replaced by a later
 * schedule on the same subject.
 */
import { HEADERS, STREAMS, SUBJECTS, scheduleAt, scheduleOf } from "@ai-jobs/contracts";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { DeliverPolicy, JetStreamApiError } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { startHarness } from "../testing/harness.js";

const h = useHarness(() => startHarness());

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function publishSchedule(subject: string, hdrs: Record<string, string>, body: string, msgID?: string) {
  const h2 = headers();
  for (const [k, v] of Object.entries(hdrs)) h2.set(k, v);
  return h.ctx.nats.js.publish(subject, body, { headers: h2, ...(msgID === undefined ? {} : { msgID }) });
}

/** An ordered consumer on JOBS_DELAYED's due messages of one tenant. */
const dueOf = (tenant: string) =>
  h.ctx.nats.js.consumers.get(STREAMS.delayed, {
    filter_subjects: [SUBJECTS.delayedDue("ingest", "normal", tenant)],
    deliver_policy: DeliverPolicy.All,
  });

describe("NATS message schedules (JOBS_DELAYED)", () => {
  it("scheduleAt is RFC 3339 UTC in whole seconds, rounded up", () => {
    expect(scheduleAt(new Date("2030-01-02T03:04:05.000Z"))).toBe("@at 2030-01-02T03:04:05Z");
    expect(scheduleAt(new Date("2030-01-02T03:04:05.001Z"))).toBe("@at 2030-01-02T03:04:06Z");
  });

  it("a schedule fires into its target at its time with the publisher's headers, then is removed", async () => {
    const runAt = new Date(Date.now() + 2_000);
    const { subject, headers: scheduleHeaders } = scheduleOf(
      { jobId: "J1", queue: "ingest", priority: "normal", tenantId: "sched1" },
      runAt,
    );
    const ack = await publishSchedule(
      subject,
      { ...scheduleHeaders, traceparent: TRACEPARENT, [HEADERS.jobType]: "material.ingest" },
      '{"jobId":"J1"}',
      "J1:schedule",
    );
    // A repeated publish inside the duplicate window is dropped, like any other.
    const again = await publishSchedule(subject, scheduleHeaders, '{"jobId":"J1"}', "J1:schedule");
    expect(again).toMatchObject({ duplicate: true, seq: ack.seq });

    const fired = await (await dueOf("sched1")).next({ expires: 10_000 });
    const firedAt = Date.now();
    expect(fired?.subject).toBe(SUBJECTS.delayedDue("ingest", "normal", "sched1"));
    expect(fired?.string()).toBe('{"jobId":"J1"}');
    // Never early (the time is rounded up to the second), and on time give or take the scheduler's tick.
    expect(firedAt).toBeGreaterThanOrEqual(runAt.getTime());
    expect(firedAt - runAt.getTime()).toBeLessThan(1_500);
    expect(fired?.headers?.get("traceparent")).toBe(TRACEPARENT);
    expect(fired?.headers?.get(HEADERS.jobType)).toBe("material.ingest");
    expect(fired?.headers?.get("Nats-Scheduler")).toBe(subject);
    expect(fired?.headers?.get(HEADERS.msgId)).toBe("");
    expect(fired?.headers?.get(HEADERS.schedule)).toBe("");
    expect(await h.ctx.nats.jsm.streams.getMessage(STREAMS.delayed, { last_by_subj: subject })).toBeNull();
  });

  it("a later schedule on the same subject replaces the pending one", async () => {
    const target = { [HEADERS.scheduleTarget]: SUBJECTS.delayedDue("ingest", "normal", "sched2") };
    const now = Date.now();
    const at = (ms: number) => ({ ...target, [HEADERS.schedule]: scheduleAt(new Date(now + ms)) });
    await publishSchedule("delayed.sched.J2", at(3_000), "first");
    await publishSchedule("delayed.sched.J2", at(1_000), "second");
    const consumer = await dueOf("sched2");
    const first = await consumer.next({ expires: 5_000 });
    expect(first?.string()).toBe("second");
    // The first one's time passes, and it never fires.
    expect(await consumer.next({ expires: 3_000 })).toBeNull();
  });

  it("a target outside the schedule's stream, or a malformed time, is refused", async () => {
    const refused = (hdrs: Record<string, string>) =>
      publishSchedule("delayed.sched.J3", hdrs, "{}").then(
        () => "accepted",
        (err: unknown) => (err instanceof JetStreamApiError ? err.message : String(err)),
      );
    expect(
      await refused({
        [HEADERS.schedule]: scheduleAt(new Date(Date.now() + 60_000)),
        [HEADERS.scheduleTarget]: SUBJECTS.job("ingest", "normal", "sched3"),
      }),
    ).toMatch(/target is invalid/);
    expect(
      await refused({
        [HEADERS.schedule]: "@at tomorrow",
        [HEADERS.scheduleTarget]: SUBJECTS.delayedDue("ingest", "normal", "sched3"),
      }),
    ).toMatch(/pattern is invalid/);
  });
});
