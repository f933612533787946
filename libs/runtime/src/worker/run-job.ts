import {
  CONSUMERS,
  ERROR_CODES,
  HEADERS,
  isJobType,
  JOB_TYPES,
  JobCommand,
  type JobError,
  type JobType,
  type Priority,
  type Queue,
} from "@ai-jobs/contracts";
import type { JsMsg } from "@nats-io/jetstream";
import { SpanStatusCode } from "@opentelemetry/api";
import { backoffDelayMs } from "../backoff.js";
import type { Cancellation } from "../cancellation.js";
import { publishDeadLetter } from "../dead-letter.js";
import { isPermanent, PermanentError, TransientError, toJobError } from "../errors.js";
import type { JobEventPublisher } from "../job-events.js";
import type { JobTimeouts } from "../job-timeouts.js";
import type { Logger } from "../logger.js";
import type { Messaging } from "../messaging.js";
import type { InFlightJobs } from "./in-flight.js";
import type { FailureHook, JobContext, JobHandler, JobHandlers } from "./types.js";
import { untilAborted } from "./until-aborted.js";

export interface RunJobDeps {
  queue: Queue;
  handlers: JobHandlers;
  onFailure?: FailureHook | undefined;
  messaging: Messaging;
  events: JobEventPublisher;
  log: Logger;
  instanceId: string;
  /** Per-type attempt limits overriding `JOB_TYPES[type].timeoutMs`. */
  timeouts?: JobTimeouts | undefined;
  cancellation: Cancellation;
  /** Where the worker's cancellation watch finds this job to abort it. */
  inFlight: InFlightJobs;
  /** Aborts jobs in flight when the worker gives up waiting for them at shutdown. */
  shutdownSignal: AbortSignal;
}

const now = () => new Date().toISOString();

/**
 * One delivery of one command, from parse to ack or nak. Every outcome publishes its event before the message is
 * settled, so a crash in between redelivers the command instead of losing the outcome.
 */
export async function runJob(deps: RunJobDeps, msg: JsMsg, priority: Priority): Promise<void> {
  const attempt = msg.info.deliveryCount;
  const parsed = JobCommand.safeParse(safeJson(msg));
  if (!parsed.success) {
    // Without a valid envelope there is no job to report on: keep the bytes in the DLQ for an operator.
    deps.log.error({ subject: msg.subject, issues: parsed.error.issues }, "malformed command dead-lettered");
    await deadLetter(deps, msg, { code: ERROR_CODES.invalidPayload, message: "malformed command envelope" }, attempt);
    msg.ack();
    return;
  }
  const command = parsed.data;
  const log = deps.log.child({
    job_id: command.jobId,
    tenant: command.tenantId,
    queue: deps.queue,
    attempt,
    job_type: command.type,
  });
  await deps.messaging.consume(msg, { consumer: CONSUMERS.worker(deps.queue, priority) }, async (span) => {
    span.setAttributes({
      "job.id": command.jobId,
      "job.type": command.type,
      "job.attempt": attempt,
      "tenant.id": command.tenantId,
    });
    const base = { jobId: command.jobId, tenantId: command.tenantId, type: command.type, attempt };
    const run = { run: msg.seq };
    /** `cause` is what was thrown (its stack reaches the log line); `durationMs` is the last attempt's, if it ran. */
    const fail = async (error: JobError, cause?: unknown, durationMs?: number) => {
      // A broken hook (say, MongoDB down) must not strand the job: the job record still gets its failure.
      span.setAttributes({ "job.outcome": "failed", "error.type": error.code });
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      await deps.onFailure?.(command, error, log).catch((err: unknown) => log.error({ err }, "failure hook failed"));
      await deadLetter(deps, msg, error, attempt);
      await deps.events.publish({ ...base, at: now(), kind: "failed", data: { error } }, run);
      msg.ack();
      log.error(
        {
          err: cause instanceof Error ? cause : undefined,
          err_code: error.code,
          err_message: error.message,
          ...(durationMs === undefined ? {} : { duration_ms: durationMs }),
        },
        "job failed",
      );
    };
    // A cancelled job is finished as the user asked: no retry, no dead letter. The failure hook still runs (code
    // CANCELLED), so the domain record stops saying pending or running.
    const cancelled = async (reason: string, durationMs?: number) => {
      span.setAttribute("job.outcome", "cancelled");
      await deps
        .onFailure?.(command, { code: ERROR_CODES.cancelled, message: reason }, log)
        .catch((err: unknown) => log.error({ err }, "failure hook failed"));
      await deps.events.publish({ ...base, at: now(), kind: "cancelled", data: { reason } }, run);
      msg.ack();
      log.info({ reason, ...(durationMs === undefined ? {} : { duration_ms: durationMs }) }, "job cancelled");
    };

    // Tracked before the flag is read, so a request landing during the read still reaches this run.
    const cancel = deps.inFlight.track(command.jobId);
    try {
      if ((await deps.cancellation.isRequested(command.jobId)) || cancel.signal.aborted) {
        return await cancelled("cancelled before start");
      }

      const type = command.type;
      const handler = isJobType(type) ? (deps.handlers[type] as JobHandler<JobType> | undefined) : undefined;
      if (!isJobType(type) || !handler || JOB_TYPES[type].queue !== deps.queue) {
        return await fail({
          code: ERROR_CODES.invalidPayload,
          message: `no handler for job type "${type}" on queue ${deps.queue}`,
        });
      }
      const spec = JOB_TYPES[type];
      if (attempt > spec.maxAttempts) {
        // Only reachable when earlier deliveries never settled: the worker died on every attempt.
        return await fail({
          code: ERROR_CODES.attemptsExhausted,
          message: `no attempt finished within ${spec.maxAttempts} deliveries`,
        });
      }
      const payload = spec.payload.safeParse(command.payload);
      if (!payload.success) {
        const detail = payload.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
        return await fail({ code: ERROR_CODES.invalidPayload, message: `invalid payload: ${detail}` });
      }

      await deps.events.publish({ ...base, at: now(), kind: "started", data: { worker: deps.instanceId } }, run);
      log.info("job started");
      const startedAt = performance.now();
      const timeoutMs = deps.timeouts?.[type] ?? spec.timeoutMs;
      const timeout = new AbortController();
      const timer = setTimeout(
        () => timeout.abort(new TransientError(ERROR_CODES.timeout, `attempt exceeded ${timeoutMs} ms`)),
        timeoutMs,
      );
      const signal = AbortSignal.any([timeout.signal, cancel.signal, deps.shutdownSignal]);
      let progressCount = 0;
      const ctx: JobContext<JobType> = {
        command,
        payload: payload.data as JobContext<JobType>["payload"],
        attempt,
        signal,
        log,
        progress: async (update) => {
          progressCount += 1;
          await deps.events.publish(
            { ...base, at: now(), kind: "progress", data: update },
            { ...run, n: progressCount },
          );
        },
      };
      try {
        const result = await untilAborted(handler(ctx), signal);
        const checked = spec.result.safeParse(result);
        if (!checked.success) throw new PermanentError(ERROR_CODES.handlerFailed, "handler returned an invalid result");
        await deps.events.publish(
          { ...base, at: now(), kind: "succeeded", data: { result: checked.data as Record<string, unknown> } },
          run,
        );
        msg.ack();
        span.setAttribute("job.outcome", "succeeded");
        log.info({ duration_ms: Math.round(performance.now() - startedAt) }, "job succeeded");
      } catch (err) {
        // Whatever the handler threw once the cancellation fired (an AbortError, say), the job ends as cancelled.
        if (cancel.signal.aborted) {
          return await cancelled("cancelled while running", Math.round(performance.now() - startedAt));
        }
        if (deps.shutdownSignal.aborted) {
          // Stopped by a deploy, not by the job: hand it back at once without spending an attempt's backoff.
          msg.nak();
          log.warn(
            { duration_ms: Math.round(performance.now() - startedAt) },
            "attempt interrupted by shutdown; handed back",
          );
          return;
        }
        const error = toJobError(err);
        const duration_ms = Math.round(performance.now() - startedAt);
        if (isPermanent(err) || attempt >= spec.maxAttempts) return await fail(error, err, duration_ms);
        const delayMs =
          err instanceof TransientError && err.retryAfterMs !== undefined
            ? err.retryAfterMs
            : backoffDelayMs(spec.backoff, attempt);
        // One clock reading for both, so `nextAttemptAt - at` is exactly the delay.
        const retryingAt = Date.now();
        const nextAttemptAt = new Date(retryingAt + delayMs).toISOString();
        const at = new Date(retryingAt).toISOString();
        await deps.events.publish({ ...base, at, kind: "retrying", data: { error, nextAttemptAt } }, run);
        msg.nak(delayMs);
        span.setAttributes({ "job.outcome": "retried", "error.type": error.code, "job.retry_in_ms": delayMs });
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        log.warn({ err, duration_ms, retry_in_ms: delayMs }, "attempt failed; retrying");
      } finally {
        clearTimeout(timer);
      }
    } finally {
      cancel.release();
    }
  });
}

function deadLetter(deps: RunJobDeps, msg: JsMsg, error: JobError, attempts: number) {
  return publishDeadLetter(deps.messaging, {
    queue: deps.queue,
    data: msg.data,
    jobId: msg.headers?.get(HEADERS.msgId) || "unknown",
    originalSubject: msg.subject,
    error,
    attempts,
    streamSeq: msg.seq,
  });
}

function safeJson(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}
