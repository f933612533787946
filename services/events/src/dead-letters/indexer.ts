import { CONSUMERS, HEADERS, JobCommand, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import type { DeadLetterRecord, Logger, Messaging, NatsContext } from "@ai-jobs/runtime";
import type { JsMsg } from "@nats-io/jetstream";
import type { DeadLetterRepository } from "../data/dead-letters.js";
import { createDurableConsumer, type DurableConsumer } from "../durable-consumer.js";

export interface DeadLetterIndexerDeps {
  nats: Pick<NatsContext, "js" | "jsm">;
  messaging: Messaging;
  /** `dead_letters` (`createDeadLetterRepository`). */
  deadLetters: DeadLetterRepository;
  log: Logger;
}

/** The index record of one JOBS_DLQ message; `replayedAt` is left to the gateway's replay (set on insert only). */
export function deadLetterRecordOf(
  msg: Pick<JsMsg, "seq" | "subject" | "headers" | "info" | "json">,
): Omit<DeadLetterRecord, "replayedAt"> {
  let body: unknown;
  try {
    body = msg.json();
  } catch {
    body = undefined;
  }
  const command = JobCommand.safeParse(body);
  const header = (name: string) => msg.headers?.get(name) || undefined;
  const attempts = Number.parseInt(header(HEADERS.attempts) ?? "", 10);
  return {
    _id: msg.seq,
    tenantId: command.success ? command.data.tenantId : null,
    jobId: command.success ? command.data.jobId : null,
    queue: msg.subject.split(".").slice(1).join("."),
    type: command.success ? command.data.type : null,
    error: { code: header(HEADERS.errorCode) ?? "UNKNOWN", message: header(HEADERS.error) ?? "" },
    attempts: Number.isFinite(attempts) ? attempts : 0,
    originalSubject: header(HEADERS.originalSubject) ?? "",
    at: new Date(Math.floor(msg.info.timestampNanos / 1_000_000)),
  };
}

/**
 * Indexes JOBS_DLQ into MongoDB `dead_letters` (`_id` = the DLQ stream sequence), which the gateway's admin API
 * lists by tenant: the stream's subjects carry no tenant. An upsert, so a redelivered message rewrites the same
 * record, and a replay mark set by the gateway (`replayedAt`) is never reset.
 */
export function createDeadLetterIndexer(deps: DeadLetterIndexerDeps): DurableConsumer {
  const handle = (msg: JsMsg): Promise<void> =>
    deps.messaging.consume(
      msg,
      { consumer: CONSUMERS.deadLetterIndexer, spanName: "index dead letter" },
      async (span) => {
        const record = deadLetterRecordOf(msg);
        span.setAttributes({ "job.id": record.jobId ?? "", "tenant.id": record.tenantId ?? "" });
        await deps.deadLetters.upsertKeepingReplay(record);
        msg.ack();
      },
    );

  return createDurableConsumer({
    name: "dead-letter-indexer",
    nats: deps.nats,
    stream: STREAMS.deadLetters,
    durable: CONSUMERS.deadLetterIndexer,
    filterSubject: SUBJECTS.deadLettersAll,
    log: deps.log,
    handle,
  });
}
