import { HEADERS, JobCommand, type JobRecord, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import { createJobEventPublisher, type Messaging, outboxEntryOf } from "@ai-jobs/runtime";
import { waitFor } from "@ai-jobs/testkit";
import { useHarness } from "@ai-jobs/testkit/vitest";
import { DeliverPolicy } from "@nats-io/jetstream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { claimsOf, createReconcileClaimRepository } from "../data/reconcile-claims.js";
import { startHarness } from "../testing/harness.js";
import { createReconciler, type Reconciler } from "./reconciler.js";

const h = useHarness(() => startHarness());
const log = pino({ level: "silent" });
/** Every subject a reconciler published on, across all reconcilers of the suite. */
const published: string[] = [];

/** The real Messaging, counting what goes through it. */
function countingMessaging(inner: Messaging): Messaging {
  return {
    publish(subject, payload, opts) {
      published.push(subject);
      return inner.publish(subject, payload, opts);
    },
    consume: (msg, opts, fn) => inner.consume(msg, opts, fn),
    consumeBatch: (msgs, opts, fn) => inner.consumeBatch(msgs, opts, fn),
  };
}

const LEASE_MS = 30_000;

function newReconciler(now?: () => Date): Reconciler {
  const messaging = countingMessaging(h.ctx.messaging);
  return createReconciler({
    nats: h.ctx.nats,
    messaging,
    events: createJobEventPublisher(messaging),
    outbox: h.outbox,
    claims: createReconcileClaimRepository(h.ctx.mongo.db),
    log,
    intervalMs: 100,
    graceMs: 5_000,
    batchSize: 50,
    leaseMs: LEASE_MS,
    ...(now === undefined ? {} : { now }),
  });
}

const windowOf = (at: number) => Math.floor(at / LEASE_MS);

let tenantN = 0;
/** A job accepted while NATS could not take it: held in the outbox `ageMs` ago; each in a tenant of its own. */
async function holdJob(ageMs = 10_000, overrides: Partial<JobRecord> = {}): Promise<JobRecord> {
  const createdAt = new Date(Date.now() - ageMs);
  tenantN += 1;
  const record = h.jobRecord({
    tenantId: `rec${tenantN}`,
    createdAt,
    updatedAt: createdAt,
    dispatchedAt: null,
    payload: { topic: "algebra" },
    ...overrides,
  });
  await h.outbox.hold(outboxEntryOf(record, { runAt: record.runAt ?? undefined }, createdAt));
  return record;
}

/** Still held: not published (and released) yet. */
const held = async (id: string) => (await h.outbox.get(id)) !== null;
const commandSubject = (r: JobRecord) => SUBJECTS.job(r.queue, r.priority, r.tenantId);
const queuedSubject = (r: JobRecord) => SUBJECTS.event(r.tenantId, r._id, "queued");

describe("reconciler", () => {
  it("publishes a held job once, with two reconcilers racing, and releases it", async () => {
    const record = await holdJob();
    // One clock for both, so they are in the same claim window whatever the time.
    const now = new Date();
    const [a, b] = [newReconciler(() => now), newReconciler(() => now)];
    const rounds = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
    expect(rounds.flatMap((r) => r.dispatched).filter((id) => id === record._id)).toHaveLength(1);

    // One queued event and one command were published at all (the lease), and JOBS holds one message.
    expect(published.filter((s) => s === commandSubject(record))).toHaveLength(1);
    expect(published.filter((s) => s === queuedSubject(record))).toHaveLength(1);
    expect(await h.countOn(STREAMS.jobs, commandSubject(record))).toBe(1);
    expect(await h.countOn(STREAMS.events, queuedSubject(record))).toBe(1);

    const command = await h.ctx.nats.jsm.streams.getMessage(STREAMS.jobs, { last_by_subj: commandSubject(record) });
    expect(command?.header.get(HEADERS.msgId)).toBe(record._id);
    expect(command?.header.get(HEADERS.jobType)).toBe(record.type);
    expect(JobCommand.parse(command?.json())).toEqual({
      jobId: record._id,
      tenantId: record.tenantId,
      userId: record.userId,
      type: record.type,
      queue: record.queue,
      priority: record.priority,
      payload: { topic: "algebra" },
      createdAt: record.createdAt.toISOString(),
    });
    const queued = await h.ctx.nats.jsm.streams.getMessage(STREAMS.events, { last_by_subj: queuedSubject(record) });
    expect(queued?.header.get(HEADERS.msgId)).toBe(`${record._id}:0:0:queued`);
    expect(queued?.json()).toMatchObject({
      kind: "queued",
      attempt: 0,
      at: record.createdAt.toISOString(),
      data: { job: { userId: record.userId, queue: record.queue, payload: { topic: "algebra" } } },
    });
    // The event goes first, so it precedes the worker's `started`.
    expect(published.indexOf(queuedSubject(record))).toBeLessThan(published.indexOf(commandSubject(record)));

    expect(await held(record._id)).toBe(false);
    // The claim is released once the job is dispatched.
    expect(await claimsOf(h.ctx.mongo.db).countDocuments({ jobId: record._id })).toBe(0);
  });

  it("what the gateway did publish before it failed is dropped as a duplicate", async () => {
    const record = await holdJob();
    // The gateway published both, but never heard back (a timeout), so it held the job.
    await h.ctx.events.publish({
      kind: "queued",
      jobId: record._id,
      tenantId: record.tenantId,
      type: record.type,
      attempt: 0,
      at: record.createdAt.toISOString(),
      data: {},
    });
    await h.ctx.messaging.publish(commandSubject(record), { jobId: record._id }, { msgId: record._id });

    const round = await newReconciler().runOnce();
    expect(round.dispatched).toContain(record._id);
    expect(await h.countOn(STREAMS.jobs, commandSubject(record))).toBe(1);
    expect(await h.countOn(STREAMS.events, queuedSubject(record))).toBe(1);
  });

  it("leaves alone what is too young, or claimed by another replica", async () => {
    const young = await holdJob(1_000);
    // Claimed by a replica now, and by one that died holding its claim a window ago.
    const now = Date.now();
    const claimed = await holdJob();
    const expired = await holdJob();
    const claims = claimsOf(h.ctx.mongo.db);
    await claims.insertOne({ _id: `${claimed._id}:${windowOf(now)}`, jobId: claimed._id, at: new Date(now) });
    const old = now - LEASE_MS;
    await claims.insertOne({ _id: `${expired._id}:${windowOf(old)}`, jobId: expired._id, at: new Date(old) });

    const round = await newReconciler(() => new Date(now)).runOnce();
    expect(round.dispatched).toContain(expired._id);
    for (const r of [young, claimed]) {
      expect(round.dispatched).not.toContain(r._id);
      expect(await h.countOn(STREAMS.jobs, commandSubject(r))).toBe(0);
    }
    expect(await held(young._id)).toBe(true);
  });

  it("a record with a future runAt is scheduled in JOBS_DELAYED, not queued in JOBS, and fires at runAt", async () => {
    const runAt = new Date(Date.now() + 2_000);
    const record = await holdJob(10_000, { runAt });
    const round = await newReconciler().runOnce();
    expect(round.dispatched).toContain(record._id);

    const schedule = await h.ctx.nats.jsm.streams.getMessage(STREAMS.delayed, {
      last_by_subj: SUBJECTS.delayedSchedule(record._id),
    });
    const seconds = Math.ceil(runAt.getTime() / 1_000) * 1_000;
    expect(schedule?.header.get(HEADERS.schedule)).toBe(`@at ${new Date(seconds).toISOString().replace(".000Z", "Z")}`);
    expect(schedule?.header.get(HEADERS.scheduleTarget)).toBe(
      SUBJECTS.delayedDue(record.queue, record.priority, record.tenantId),
    );
    expect(schedule?.header.get(HEADERS.msgId)).toBe(`${record._id}:schedule`);
    expect(JobCommand.parse(schedule?.json()).jobId).toBe(record._id);
    expect(await h.countOn(STREAMS.jobs, commandSubject(record))).toBe(0);
    const queued = await h.ctx.nats.jsm.streams.getMessage(STREAMS.events, { last_by_subj: queuedSubject(record) });
    expect(queued?.json()).toMatchObject({ kind: "queued", data: { runAt: runAt.toISOString() } });
    expect(await held(record._id)).toBe(false);

    const due = await h.ctx.nats.js.consumers.get(STREAMS.delayed, {
      filter_subjects: [SUBJECTS.delayedDue(record.queue, record.priority, record.tenantId)],
      deliver_policy: DeliverPolicy.All,
    });
    const fired = await due.next({ expires: 5_000 });
    expect(Date.now()).toBeGreaterThanOrEqual(runAt.getTime());
    expect(JobCommand.parse(fired?.json()).jobId).toBe(record._id);
  });

  it("a record whose runAt has passed goes straight to JOBS", async () => {
    const record = await holdJob(10_000, { runAt: new Date(Date.now() - 1_000) });
    await newReconciler().runOnce();
    expect(await h.countOn(STREAMS.jobs, commandSubject(record))).toBe(1);
  });

  it("the running loop picks a record up on its own, and stop() ends it", async () => {
    const reconciler = newReconciler();
    reconciler.start();
    try {
      const record = await holdJob();
      await waitFor(async () => !(await held(record._id)), { what: "the loop to dispatch" });
      expect(await h.countOn(STREAMS.jobs, commandSubject(record))).toBe(1);
    } finally {
      await reconciler.stop();
    }
  });

  // Last: it restarts the suite's nats-server.
  it("skips its rounds while NATS is disconnected, and publishes once it is back", async () => {
    const record = await holdJob();
    const reconciler = newReconciler();
    await h.nats.stop();
    try {
      await waitFor(() => !h.ctx.nats.connected(), { what: "the client to notice the outage" });
      expect(await reconciler.runOnce()).toEqual({ dispatched: [], skipped: "nats-disconnected" });
      expect(await held(record._id)).toBe(true);
    } finally {
      await h.nats.restart();
    }
    await waitFor(() => h.ctx.nats.connected(), { what: "the client to reconnect", timeoutMs: 20_000 });
    const round = await waitFor(
      async () => {
        const r = await reconciler.runOnce();
        return r.dispatched.includes(record._id) ? r : undefined;
      },
      { what: "a round after the outage", timeoutMs: 20_000 },
    );
    expect(round.skipped).toBeUndefined();
    expect(await h.countOn(STREAMS.jobs, commandSubject(record))).toBe(1);
  }, 60_000);
});
