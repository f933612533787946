import { type ServiceProcess, waitFor } from "@ai-jobs/testkit";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayCall, jobOf, type Stack, startStack, TOKEN, untilStatus } from "./support/stack.js";

/** Short ack_wait so a crashed worker's job comes back in seconds; slow offline drafting so jobs can be caught mid-run. */
const ACK_WAIT_MS = 3_000;
const STEP_DELAY_MS = 250;
/**
 * The events reconciler looks for jobs the outbox held every half second, and takes them after a second (defaults: 5 s
 * and 5 s), so a job accepted while NATS was down runs soon after NATS is back.
 */
const RECONCILER = { RECONCILE_INTERVAL_MS: "500", RECONCILE_GRACE_MS: "1000" };

let stack: Stack;
let mongo: MongoClient;
const _auth = { authorization: `Bearer ${TOKEN}` };

const api = (path: string, init?: RequestInit) => gatewayCall(stack, path, init);

async function submitPlan(extra: Record<string, unknown> = {}): Promise<{ jobId: string; planId: string }> {
  const res = await api("/api/ai/study-plans/generate/", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ goal: "Learn graph theory", start_date: "2026-12-01", end_date: "2026-12-14", ...extra }),
  });
  expect(res.status).toBe(202);
  return { jobId: String(res.body.job_id), planId: String(res.body.id) };
}

const eventKinds = async (jobId: string) =>
  (await mongo.db(stack.mongo.dbName).collection("job_events").find({ jobId }).sort({ _id: 1 }).toArray()).map(
    (e) => e.kind as string,
  );

/** Which of the planners logged the start of this job. */
const runnerOf = (planners: ServiceProcess[], jobId: string) =>
  waitFor(() => planners.find((p) => p.logs().some((l) => l.includes(jobId) && l.includes("job started"))), {
    what: `a planner to start ${jobId}`,
    timeoutMs: 15_000,
  });

beforeAll(async () => {
  stack = await startStack({
    JOBS_ACK_WAIT_MS: String(ACK_WAIT_MS),
    OFFLINE_STEP_DELAY_MS: String(STEP_DELAY_MS),
    ...RECONCILER,
  });
  mongo = await MongoClient.connect(stack.mongo.url);
}, 120_000);

afterAll(async () => {
  await mongo?.close();
  await stack?.stop();
});

describe("when things go wrong", () => {
  it("when the worker running a job is killed with SIGKILL, another replica takes it over and it succeeds once, with no duplicated days or tasks", async () => {
    const second = await stack.spawn("planner");
    const planners = [stack.services.planner, second];
    const { jobId, planId } = await submitPlan();
    const runner = await runnerOf(planners, jobId);
    await runner.kill("SIGKILL");
    const killedAt = Date.now();

    const job = await untilStatus(stack, jobId, "succeeded", 30_000);
    const recoveredInMs = Date.now() - killedAt;
    console.info(`crash recovery: SIGKILL → job succeeded on the other replica in ${recoveredInMs} ms`);
    expect(job.attempt).toBe(2);
    // ack_wait to notice the crash, then a full run of 14 slow days.
    expect(recoveredInMs).toBeLessThan(ACK_WAIT_MS + 14 * STEP_DELAY_MS + 5_000);

    const db = mongo.db(stack.mongo.dbName);
    const taskCount = (job.result_refs as { task_count: number }).task_count;
    expect(await db.collection("study_days").countDocuments({ planId })).toBe(14);
    expect(await db.collection("study_tasks").countDocuments({ planId })).toBe(taskCount);
    const kinds = await eventKinds(jobId);
    expect(kinds.filter((k) => k === "started")).toHaveLength(2);
    expect(kinds.filter((k) => k === "succeeded")).toHaveLength(1);
    // The survivor stays the planner of the rest of this suite.
    stack.services.planner = runner === second ? stack.services.planner : second;
  });

  it("cancels a running job within about a second; it ends cancelled and is not retried", async () => {
    const { jobId } = await submitPlan();
    await untilStatus(stack, jobId, "running");
    const cancelledAt = Date.now();
    expect((await api(`/api/ai/jobs/${jobId}/`, { method: "DELETE" })).status).toBe(202);
    await untilStatus(stack, jobId, "cancelled", 5_000);
    const visibleInMs = Date.now() - cancelledAt;
    console.info(`cancellation: DELETE → job record cancelled in ${visibleInMs} ms`);
    expect(visibleInMs).toBeLessThan(2_000);
    expect((await api(`/api/ai/jobs/${jobId}/`, { method: "DELETE" })).status).toBe(409);
    await new Promise((r) => setTimeout(r, ACK_WAIT_MS + 500));
    const kinds = await eventKinds(jobId);
    expect(kinds.filter((k) => k === "started")).toHaveLength(1);
    expect(kinds).not.toContain("retrying");
  });

  it("holds a delayed job as queued with its run_at until it is due, then runs it", async () => {
    const submittedAt = Date.now();
    const { jobId } = await submitPlan({ delay_ms: 3_000, end_date: "2026-12-02" });
    const early = await jobOf(stack, jobId);
    expect(early.status).toBe("queued");
    expect(Date.parse(String(early.run_at)) - submittedAt).toBeGreaterThanOrEqual(2_900);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await jobOf(stack, jobId)).status).toBe("queued");
    const done = await untilStatus(stack, jobId, "succeeded", 20_000);
    expect(Date.parse(String(done.started_at))).toBeGreaterThanOrEqual(Date.parse(String(early.run_at)));
  });

  it("keeps a cancellation across a restart of every service: a cancelled delayed job never starts", async () => {
    const { jobId } = await submitPlan({ delay_ms: 4_000 });
    expect((await jobOf(stack, jobId)).run_at).toEqual(expect.any(String));
    expect((await api(`/api/ai/jobs/${jobId}/`, { method: "DELETE" })).status).toBe(202);
    // Every service at once: each is stopped (SIGTERM) and started again on its port.
    await Promise.all((["gateway", "events", "planner", "ingestor"] as const).map((name) => stack.restart(name)));
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await jobOf(stack, jobId)).status).toBe("cancelled");
    expect(await eventKinds(jobId)).not.toContain("started");
  });

  it("accepts a job while NATS is down (202, not yet dispatched) and runs it once NATS is back", async () => {
    await stack.nats.stop();
    let jobId: string;
    try {
      ({ jobId } = await submitPlan({ end_date: "2026-12-02" }));
      // Held in the outbox for the reconciler, and readable from there.
      const held = await mongo
        .db(stack.mongo.dbName)
        .collection("job_outbox")
        .findOne({ _id: jobId as never });
      expect(held).toMatchObject({ jobId, retry: 0 });
      expect(await jobOf(stack, jobId)).toMatchObject({ status: "queued" });
    } finally {
      await stack.nats.restart();
    }
    await untilStatus(stack, jobId, "succeeded", 60_000);
  });

  it("dead-letters a job whose worker dies on every attempt, instead of redelivering it forever", async () => {
    const { jobId } = await submitPlan();
    // plan.generate has 3 attempts: the worker is SIGKILLed in each; the 4th delivery is dead-lettered unrun.
    for (let attempt = 1; attempt <= 3; attempt++) {
      await runnerOf([stack.services.planner], jobId);
      await stack.restart("planner", "SIGKILL");
    }
    const job = await untilStatus(stack, jobId, "failed", 30_000);
    expect(job.last_error).toMatchObject({ code: "ATTEMPTS_EXHAUSTED" });
    const dead = await waitFor(
      async () => {
        const res = await api("/api/ai/admin/dead-letters/");
        const items = (res.body.items ?? []) as Array<{ job_id: string }>;
        return items.find((d) => d.job_id === jobId);
      },
      { what: "the dead letter to be listed", timeoutMs: 10_000 },
    );
    expect(dead).toMatchObject({ job_id: jobId, error: { code: "ATTEMPTS_EXHAUSTED" } });

    // Replaying it runs it again (the gateway clears its cancel flag and publishes the command anew).
    const seq = (dead as { seq?: number }).seq;
    const replay = await api(`/api/ai/admin/dead-letters/${seq}/replay/`, { method: "POST" });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ job_id: jobId, status: "queued" });
    await untilStatus(stack, jobId, "succeeded", 30_000);
  });
});

describe("NATS permissions", () => {
  it("did all of the above with each service as its own NATS user: the server refused nothing", () => {
    expect(stack.nats.auth).toBeDefined();
    expect(stack.nats.violations()).toEqual([]);
  });
});
