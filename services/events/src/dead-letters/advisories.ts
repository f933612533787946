import { CONSUMERS, ERROR_CODES, HEADERS, JobCommand, Queue, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import {
  type JobEventPublisher,
  type Logger,
  type Messaging,
  type NatsContext,
  publishDeadLetter,
} from "@ai-jobs/runtime";
import type { JsMsg } from "@nats-io/jetstream";
import { z } from "zod";
import { createDurableConsumer, type DurableConsumer } from "../durable-consumer.js";

export interface AdvisoryHandlerDeps {
  nats: Pick<NatsContext, "js" | "jsm">;
  messaging: Messaging;
  events: JobEventPublisher;
  log: Logger;
}

/** The fields we use of `io.nats.jetstream.advisory.v1.max_deliver`. */
const MaxDeliveriesAdvisory = z.object({
  stream: z.string(),
  consumer: z.string(),
  stream_seq: z.number().int().min(1),
  deliveries: z.number().int().min(0),
});

/**
 * Dead-letters the JOBS messages that no worker ever settled. A worker that dies on every attempt (OOM, a crash
 * loop) never reaches its own "attempts exhausted" path; the consumer's `max_deliver` then stops redelivering and
 * JetStream publishes a MAX_DELIVERIES advisory, captured in JOBS_ADVISORIES. For each one this handler loads the
 * message, publishes its original bytes to `dlq.<queue>` (ATTEMPTS_EXHAUSTED), publishes the job's `failed` event,
 * deletes the message from JOBS (on a work queue it would otherwise sit there for ever), and acks.
 *
 * A replay is harmless: a message already deleted is skipped, and the dead letter and the event carry the same
 * msg ids as before (`<jobId>:<seq>:dlq`, and the worker's event id scheme with the command's sequence as its run),
 * so JetStream drops them as duplicates when a crash repeats a step.
 */
export function createAdvisoryHandler(deps: AdvisoryHandlerDeps): DurableConsumer {
  const log = deps.log.child({ component: "max-deliveries" });

  const handle = (msg: JsMsg): Promise<void> =>
    deps.messaging.consume(
      msg,
      { consumer: CONSUMERS.advisories, spanName: "dead-letter unsettled job" },
      async (span) => {
        const advisory = MaxDeliveriesAdvisory.safeParse(parseJson(msg));
        if (!advisory.success || advisory.data.stream !== STREAMS.jobs) {
          log.error({ seq: msg.seq, subject: msg.subject }, "unexpected advisory skipped");
          msg.ack();
          return;
        }
        const { stream_seq: seq, deliveries, consumer } = advisory.data;
        span.setAttributes({ "messaging.nats.stream_sequence": seq, "job.deliveries": deliveries });
        const stored = await deps.nats.jsm.streams.getMessage(STREAMS.jobs, { seq });
        if (!stored) {
          // Settled after all, or already dead-lettered by an earlier delivery of this advisory.
          msg.ack();
          return;
        }
        const command = JobCommand.safeParse(parseJson(stored));
        const queue = Queue.safeParse(stored.subject.split(".")[1]);
        if (!queue.success) {
          log.error({ seq, subject: stored.subject }, "unsettled message outside any queue left in JOBS");
          msg.ack();
          return;
        }
        // Named after the command's msg id, as the worker names its dead letters, so the two collapse into one.
        const letterId = stored.header?.get(HEADERS.msgId) || (command.success ? command.data.jobId : "unknown");
        const error = {
          code: ERROR_CODES.attemptsExhausted,
          message: `no attempt finished: the worker died on each of ${deliveries} deliveries`,
        };
        await publishDeadLetter(deps.messaging, {
          queue: queue.data,
          data: stored.data,
          jobId: letterId,
          originalSubject: stored.subject,
          error,
          attempts: deliveries,
          streamSeq: seq,
        });
        if (command.success) {
          const { jobId, tenantId, type } = command.data;
          span.setAttributes({ "job.id": jobId, "job.type": type, "tenant.id": tenantId });
          await deps.events.publish(
            {
              jobId,
              tenantId,
              type,
              attempt: deliveries,
              at: new Date().toISOString(),
              kind: "failed",
              data: { error },
            },
            { run: seq },
          );
        }
        await deps.nats.jsm.streams.deleteMessage(STREAMS.jobs, seq, false).catch(async (err: unknown) => {
          // Gone meanwhile is as good as deleted.
          if (await deps.nats.jsm.streams.getMessage(STREAMS.jobs, { seq })) throw err;
        });
        msg.ack();
        log.warn({ letterId, seq, consumer, deliveries }, "unsettled job dead-lettered");
      },
    );

  return createDurableConsumer({
    name: "max-deliveries",
    nats: deps.nats,
    stream: STREAMS.advisories,
    durable: CONSUMERS.advisories,
    filterSubject: SUBJECTS.maxDeliveriesAdvisories,
    log: deps.log,
    handle,
  });
}

function parseJson(msg: { json<T>(): T }): unknown {
  try {
    return msg.json<unknown>();
  } catch {
    return undefined;
  }
}
