/**
 * Recovery: two planner processes (the real stack, offline planner drafting slowly so a job is caught mid-run);
 * a plan is submitted, the planner that logged "job started" for it is killed with SIGKILL, and the clock runs until
 * the other planner logs "job started" for the same job (its second attempt). JetStream redelivers an unacked
 * message after the consumers' ack_wait (`JOBS_ACK_WAIT_MS`) counted from the last `working()` heartbeat, which a
 * live worker sends every second (every third of ack_wait if shorter): so the wait is between ack_wait minus one
 * heartbeat interval and ack_wait, plus the pull of the other planner, which is already waiting.
 */
import { WORKER_ACK_WAIT_MS } from "@ai-jobs/runtime";
import type { ServiceProcess } from "@ai-jobs/testkit";
import { waitFor } from "@ai-jobs/testkit";
import { startStack, TOKEN } from "../../test/support/stack.js";

export interface RecoveryRun {
  /** Undefined: the default `JOBS_ACK_WAIT_MS`. */
  ackWaitMs: number | undefined;
  recoveryMs: number[];
}

const startedIn = (p: ServiceProcess, jobId: string) =>
  p.logs().some((l) => l.includes(jobId) && l.includes("job started"));

export async function recovery(opts: { ackWaitMs: number | undefined; repeats: number }): Promise<RecoveryRun> {
  const stack = await startStack({
    ...(opts.ackWaitMs === undefined ? {} : { JOBS_ACK_WAIT_MS: String(opts.ackWaitMs) }),
    OFFLINE_STEP_DELAY_MS: "250",
  });
  const recoveryMs: number[] = [];
  try {
    let planners = [stack.services.planner, await stack.spawn("planner")];
    for (let i = 0; i < opts.repeats; i++) {
      const res = await fetch(`${stack.gatewayUrl}/api/ai/study-plans/generate/`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ goal: `recovery ${i}`, start_date: "2026-12-01", end_date: "2026-12-14" }),
      });
      const { job_id: jobId } = (await res.json()) as { job_id: string };
      const runner = await waitFor(() => planners.find((p) => startedIn(p, jobId)), {
        what: `a planner to start ${jobId}`,
        timeoutMs: 30_000,
        intervalMs: 5,
      });
      const other = planners.find((p) => p !== runner);
      if (!other) throw new Error("no second planner");
      await runner.kill("SIGKILL");
      const killedAt = performance.now();
      await waitFor(() => startedIn(other, jobId), {
        what: `the other planner to run ${jobId} again`,
        timeoutMs: (opts.ackWaitMs ?? WORKER_ACK_WAIT_MS) * 2 + 30_000,
        intervalMs: 5,
      });
      recoveryMs.push(performance.now() - killedAt);
      planners = [other, await stack.spawn("planner")];
    }
    return { ackWaitMs: opts.ackWaitMs, recoveryMs };
  } finally {
    await stack.stop();
  }
}
