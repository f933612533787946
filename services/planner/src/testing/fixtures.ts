/** Test support for the planner's integration tests (not built): plan records, commands and a job's events. */
import {
  type JobCommand,
  JobEvent,
  type JobType,
  planBriefOf,
  STREAMS,
  type StudyPlan,
  SUBJECTS,
} from "@ai-jobs/contracts";
import type { ServiceContext } from "@ai-jobs/runtime";

/** The `plan.generate` payload for a plan. */
export const generatePayload = (plan: StudyPlan) => ({ planId: plan._id, ...planBriefOf(plan) });

/** Publishes a command the way the gateway does; `msgId` defaults to the job id. */
export async function publishCommand(
  ctx: ServiceContext,
  tenantId: string,
  type: JobType | string,
  payload: Record<string, unknown>,
  jobId: string,
  msgId = jobId,
): Promise<JobCommand> {
  const command: JobCommand = {
    jobId,
    tenantId,
    userId: "user_1",
    type,
    queue: "ai_generation",
    priority: "normal",
    payload,
    createdAt: new Date().toISOString(),
  };
  await ctx.messaging.publish(SUBJECTS.job("ai_generation", "normal", tenantId), command, { msgId });
  return command;
}

/** The job's events from JOB_EVENTS, in order, up to its terminal one; `onEvent` sees each as it arrives. */
export async function jobEventsOf(
  ctx: ServiceContext,
  tenantId: string,
  jobId: string,
  opts: { timeoutMs?: number; onEvent?: (e: JobEvent) => void } = {},
): Promise<JobEvent[]> {
  const consumer = await ctx.nats.js.consumers.get(STREAMS.events, {
    filter_subjects: SUBJECTS.eventsOfJob(tenantId, jobId),
  });
  const messages = await consumer.consume();
  const timer = setTimeout(() => messages.stop(), opts.timeoutMs ?? 20_000);
  const events: JobEvent[] = [];
  try {
    for await (const m of messages) {
      const event = JobEvent.parse(m.json());
      events.push(event);
      opts.onEvent?.(event);
      if (event.kind === "succeeded" || event.kind === "failed" || event.kind === "cancelled") break;
    }
  } finally {
    clearTimeout(timer);
    messages.stop();
  }
  return events;
}
