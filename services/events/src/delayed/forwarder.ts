import { CONSUMERS, HEADERS, JobCommand, jobSubjectOfDue, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import type { Logger, Messaging, NatsContext } from "@ai-jobs/runtime";
import { JetStreamApiError, type JsMsg } from "@nats-io/jetstream";
import { createDurableConsumer, type DurableConsumer } from "../durable-consumer.js";

export interface ForwarderDeps {
  nats: Pick<NatsContext, "js" | "jsm">;
  messaging: Messaging;
  log: Logger;
  /** Delay before a due job that JOBS refused (full) is offered again. */
  retryDelayMs: number;
}

/**
 * Moves due delayed jobs into JOBS. A schedule on `delayed.sched.<jobId>` fires its command into
 * `delayed.due.<queue>.<priority>.<tenant>` (in JOBS_DELAYED, as NATS requires); this consumer publishes it on
 * `jobs.<queue>.<priority>.<tenant>` with `Nats-Msg-Id = jobId` (so a redelivered due message is dropped as a
 * duplicate) and the trace context it carries, then acks. When JOBS refuses it (full), it is nak'ed with a delay:
 * the job runs late, and is never lost.
 */
export function createDelayedForwarder(deps: ForwarderDeps): DurableConsumer {
  const log = deps.log.child({ component: "delayed-forwarder" });

  const forward = (msg: JsMsg): Promise<void> =>
    deps.messaging.consume(msg, { consumer: CONSUMERS.delayedForwarder, spanName: "forward delayed job" }, async () => {
      const target = jobSubjectOfDue(msg.subject);
      const command = JobCommand.safeParse(parseJson(msg));
      if (target === undefined || !command.success) {
        // Only our own schedules fire here. The message stays in JOBS_DELAYED (limits retention) for an operator.
        log.error({ seq: msg.seq, subject: msg.subject }, "invalid due message; not forwarded");
        msg.term("not a job command on a delayed.due subject");
        return;
      }
      const { jobId, type } = command.data;
      try {
        await deps.messaging.publish(target, msg.data, {
          msgId: jobId,
          headers: { [HEADERS.jobType]: msg.headers?.get(HEADERS.jobType) || type },
          attributes: { "job.id": jobId, "job.type": type },
        });
      } catch (err) {
        if (!(err instanceof JetStreamApiError)) throw err;
        log.warn({ err, jobId, subject: target, retryInMs: deps.retryDelayMs }, "JOBS refused a due job; retrying");
        msg.nak(deps.retryDelayMs);
        return;
      }
      msg.ack();
      log.debug({ jobId, subject: target }, "delayed job forwarded");
    });

  return createDurableConsumer({
    name: "delayed-forwarder",
    nats: deps.nats,
    stream: STREAMS.delayed,
    durable: CONSUMERS.delayedForwarder,
    filterSubject: SUBJECTS.delayedDueAll,
    log: deps.log,
    retryDelayMs: deps.retryDelayMs,
    handle: forward,
  });
}

function parseJson(msg: JsMsg): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}
