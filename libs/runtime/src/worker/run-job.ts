import {
  CONSUMERS,
  ERROR_CODES,
  HEADERS,
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
import { publishDeadLetter } from "../dead-letter.js";
import { isFinalFailure, PermanentError, TransientError, toJobError } from "../errors.js";
import type { JobEventPublisher } from "../job-events.js";
import type { JobTimeouts } from "../job-timeouts.js";
import type { Logger } from "../logger.js";
import type { Messaging } from "../messaging.js";
import { AttemptEvents } from "./attempt-events.js";
import type { InFlightJobs } from "./in-flight.js";
import type { JobCatalog } from "./job-definition.js";
import type { FailureHook, JobContext, JobHandler } from "./types.js";

export interface RunJobDeps {
  queue: Queue;
  jobs: JobCatalog;
  messaging: Messaging;
  events: JobEventPublisher;
  log: Logger;
  instanceId: string;
  /** Per-type attempt limits overriding `JOB_TYPES[type].timeoutMs`. */
  timeouts?: JobTimeouts | undefined;
  /** The worker's copy of the cancellation flags (kept by its one watch). */
  isCancelled(jobId: string): boolean;
  /** Where the worker's cancellation watch finds this job to abort it. */
  inFlight: InFlightJobs;
  /** Aborted when the worker gave up waiting for the jobs in flight at shutdown (it aborts their runs). */
  shutdownSignal: AbortSignal;
}

const now = () => new Date().toISOString();
const ignore = () => undefined;

/**
 * One delivery of one command, from parse to ack or nak. The attempt's events are published without waiting for each
 * other (`started` goes out as the handler begins), and all of them are stored before the message is settled: a
 * crash in between redelivers the command instead of losing the outcome, and an event that could not be stored
 * leaves the message unsettled (this throws), for JetStream to redeliver after ack_wait.
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
  const bindings = {
    job_id: command.jobId,
    tenant: command.tenantId,
    queue: deps.queue,
    attempt,
    job_type: command.type,
  };
  // The runtime's own lines carry the bindings per call, and the job-scoped child logger (for the handler and the
  // failure hook) is only made when asked for: a pino child per job costs more than a no-op job's whole bookkeeping.
  let child: Logger | undefined;
  const jobLog = () => {
    child ??= deps.log.child(bindings);
    return child;
  };
  const infoEnabled = deps.log.isLevelEnabled("info");
  const log = {
    info: (fields: Record<string, unknown>, line: string) => {
      if (infoEnabled) deps.log.info({ ...bindings, ...fields }, line);
    },
    warn: (fields: Record<string, unknown>, line: string) => deps.log.warn({ ...bindings, ...fields }, line),
    error: (fields: Record<string, unknown>, line: string) => deps.log.error({ ...bindings, ...fields }, line),
  };
  await deps.messaging.consume(msg, { consumer: CONSUMERS.worker(deps.queue, priority) }, async (span) => {
    span.setAttributes({
      "job.id": command.jobId,
      "job.type": command.type,
      "job.attempt": attempt,
      "tenant.id": command.tenantId,
    });
    const base = { jobId: command.jobId, tenantId: command.tenantId, type: command.type, attempt };
    const run = { run: msg.seq };
    const events = new AttemptEvents(deps.events);
    const definition = deps.jobs.get(command.type);
    // The definition was found by this command's type, so the command is one its hook takes.
    const onFailure = definition?.onFailure as FailureHook | undefined;
    const failureHook = (error: JobError) =>
      onFailure?.(command as Parameters<FailureHook>[0], error, jobLog()).catch((err: unknown) =>
        log.error({ err }, "failure hook failed"),
      );
    /** `cause` is what was thrown (its stack reaches the log line); `durationMs` is the last attempt's, if it ran. */
    const fail = async (error: JobError, cause?: unknown, durationMs?: number) => {
      // A broken hook (say, MongoDB down) must not strand the job: the job record still gets its failure.
      span.setAttributes({ "job.outcome": "failed", "error.type": error.code });
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      await failureHook(error);
      await deadLetter(deps, msg, error, attempt);
      events.publish({ ...base, at: now(), kind: "failed", data: { error } }, run);
      await events.stored();
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
      await failureHook({ code: ERROR_CODES.cancelled, message: reason });
      events.publish({ ...base, at: now(), kind: "cancelled", data: { reason } }, run);
      await events.stored();
      msg.ack();
      log.info({ reason, ...(durationMs === undefined ? {} : { duration_ms: durationMs }) }, "job cancelled");
    };

    // Tracked before the flag is read, so a request landing during the read still reaches this run.
    const job = deps.inFlight.track(command.jobId);
    try {
      if (deps.isCancelled(command.jobId) || job.cancelled) {
        return await cancelled("cancelled before start");
      }

      if (!definition) {
        return await fail({
          code: ERROR_CODES.invalidPayload,
          message: `no handler for job type "${command.type}" on queue ${deps.queue}`,
        });
      }
      const { type } = definition;
      const handler = definition.handler as JobHandler<JobType>;
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

      const started = events.publish({ ...base, at: now(), kind: "started", data: { worker: deps.instanceId } }, run);
      // Logged once `started` is stored, as when it was awaited: a line saying the job started means its history
      // says so too, even if the worker dies the next moment. (A failed publish is reported by `stored()`.)
      if (infoEnabled) started.then(() => log.info({}, "job started"), ignore);
      const startedAt = performance.now();
      const timeoutMs = deps.timeouts?.[type] ?? spec.timeoutMs;
      const timer = setTimeout(() => job.abort(timeoutError(timeoutMs)), timeoutMs);
      let progressCount = 0;
      const ctx: JobContext<JobType> = {
        command,
        payload: payload.data as JobContext<JobType>["payload"],
        attempt,
        signal: job.signal,
        get log() {
          return jobLog();
        },
        progress: (update) => {
          progressCount += 1;
          return events.publish({ ...base, at: now(), kind: "progress", data: update }, { ...run, n: progressCount });
        },
      };
      /** The attempt ended without a result: cancelled, interrupted by shutdown, failed for good, or retried. */
      const attemptFailed = async (err: unknown) => {
        const duration_ms = Math.round(performance.now() - startedAt);
        // Whatever the handler threw once the cancellation fired (an AbortError, say), the job ends as cancelled.
        if (job.cancelled) return await cancelled("cancelled while running", duration_ms);
        if (deps.shutdownSignal.aborted) {
          // Stopped by a deploy, not by the job: hand it back at once without spending an attempt's backoff.
          await events.stored();
          msg.nak();
          log.warn({ duration_ms }, "attempt interrupted by shutdown; handed back");
          return;
        }
        const error = toJobError(err);
        if (isFinalFailure(err, attempt, spec.maxAttempts)) return await fail(error, err, duration_ms);
        const delayMs =
          err instanceof TransientError && err.retryAfterMs !== undefined
            ? err.retryAfterMs
            : backoffDelayMs(spec.backoff, attempt);
        // One clock reading for both, so `nextAttemptAt - at` is exactly the delay.
        const retryingAt = Date.now();
        const nextAttemptAt = new Date(retryingAt + delayMs).toISOString();
        const at = new Date(retryingAt).toISOString();
        events.publish({ ...base, at, kind: "retrying", data: { error, nextAttemptAt } }, run);
        await events.stored();
        msg.nak(delayMs);
        span.setAttributes({ "job.outcome": "retried", "error.type": error.code, "job.retry_in_ms": delayMs });
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        log.warn({ err, duration_ms, retry_in_ms: delayMs }, "attempt failed; retrying");
      };

      let result: unknown;
      try {
        result = await job.race(handler(ctx));
      } catch (err) {
        return await attemptFailed(err);
      } finally {
        clearTimeout(timer);
      }
      const checked = spec.result.safeParse(result);
      if (!checked.success) {
        return await attemptFailed(new PermanentError(ERROR_CODES.handlerFailed, "handler returned an invalid result"));
      }
      events.publish(
        { ...base, at: now(), kind: "succeeded", data: { result: checked.data as Record<string, unknown> } },
        run,
      );
      // An event that could not be stored (this one or an earlier one) throws here: the message stays unsettled.
      await events.stored();
      msg.ack();
      span.setAttribute("job.outcome", "succeeded");
      log.info({ duration_ms: Math.round(performance.now() - startedAt) }, "job succeeded");
    } finally {
      deps.inFlight.release(job);
    }
  });
}

const timeoutError = (ms: number) => new TransientError(ERROR_CODES.timeout, `attempt exceeded ${ms} ms`);

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
