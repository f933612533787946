import {
  ERROR_CODES,
  failureReasonOfStatus,
  type JobEvent,
  type JobRecord,
  parseEventSubject,
  STREAMS,
  SUBJECTS,
} from "@ai-jobs/contracts";
import {
  ACK_WAIT_MS,
  type JobReader,
  type Logger,
  type Messaging,
  type NatsContext,
  type WebhookAttempt,
  type WebhookDeliveryRecord,
  type WebhookTargetPolicy,
} from "@ai-jobs/runtime";
import type { JsMsg } from "@nats-io/jetstream";
import { Webhook } from "standardwebhooks";
import type { WebhookDeliveryRepository } from "../data/webhook-deliveries.js";
import { createDurableConsumer } from "../durable-consumer.js";
import { decodeJobEvent } from "../job-event-message.js";
import { postJson } from "./post.js";
import {
  type ResolvedAddress,
  type Resolver,
  resolveTarget,
  systemResolver,
  TargetNotAllowedError,
} from "./target-policy.js";

/** The durable consumer shared by every events replica. */
export const WEBHOOK_CONSUMER = "events_webhooks";

const TERMINAL_KINDS = new Set(["succeeded", "failed", "cancelled"]);
/** A redelivery this much before its delivery's `nextAttemptAt` is put back until then. */
const EARLY_TOLERANCE_MS = 100;

export interface WebhookSettings {
  /** Each tenant's signing secrets (two while one is being rotated: every delivery carries both signatures). */
  secrets: ReadonlyMap<string, readonly string[]>;
  /** Which ports and addresses a webhook may reach (`WEBHOOK_ALLOWLIST`, `WEBHOOK_ALLOWED_PORTS`). */
  targets: WebhookTargetPolicy;
  /** The delay before each retry; a delivery makes `backoffMs.length + 1` attempts. */
  backoffMs: readonly number[];
  timeoutMs: number;
  concurrency: number;
}

export interface WebhookDispatcherDeps {
  nats: Pick<NatsContext, "js" | "jsm">;
  messaging: Messaging;
  /** `webhook_deliveries` (`createWebhookDeliveryRepository`). */
  deliveries: WebhookDeliveryRepository;
  /** The job's webhook and last error, from its record or, before it is projected, its events. */
  jobs: JobReader;
  log: Logger;
  settings: WebhookSettings;
  /** Tests may answer DNS themselves. */
  resolve?: Resolver;
}

export interface WebhookDispatcher {
  start(): Promise<void>;
  /** Stops pulling, waits for the POSTs in flight, hands the rest back. */
  stop(): Promise<void>;
}

/** The JSON body of a webhook: the same bytes on every attempt of one delivery. */
export interface WebhookPayload {
  type: "job.succeeded" | "job.failed" | "job.cancelled";
  timestamp: string;
  data: {
    job_id: string;
    status: "succeeded" | "failed" | "cancelled";
    result_refs?: Record<string, unknown>;
    last_error?: { code: string; message: string };
  };
}

export function webhookPayloadOf(event: JobEvent, job: Pick<JobRecord, "lastError">): WebhookPayload | undefined {
  const base = { job_id: event.jobId };
  switch (event.kind) {
    case "succeeded":
      return {
        type: "job.succeeded",
        timestamp: event.at,
        data: { ...base, status: "succeeded", result_refs: event.data.result },
      };
    case "failed":
      return {
        type: "job.failed",
        timestamp: event.at,
        data: { ...base, status: "failed", last_error: event.data.error },
      };
    case "cancelled":
      return {
        type: "job.cancelled",
        timestamp: event.at,
        data: { ...base, status: "cancelled", ...(job.lastError ? { last_error: job.lastError } : {}) },
      };
    default:
      return undefined;
  }
}

/** The n-th retry's delay (n from 1): the schedule's step, ±25 % jitter so failing receivers are not hit in step. */
export function retryDelayMs(backoffMs: readonly number[], n: number, random: () => number = Math.random): number {
  const step = backoffMs[n - 1] ?? backoffMs[backoffMs.length - 1] ?? 0;
  return Math.round(step * (0.75 + random() * 0.5));
}

/**
 * Delivers the terminal events of jobs submitted with a `webhook_url`. One durable consumer on every job event
 * (non-terminal kinds are acked at once); a terminal event becomes one delivery, `_id` = `webhook-id` =
 * `<jobId>:<event seq>`, whose attempts are recorded in `webhook_deliveries`. A failed attempt naks the event with
 * the next backoff delay, so the retry schedule lives in JetStream and survives restarts of every replica.
 */
/** The `webhook-signature` header of one delivery attempt. */
interface Signer {
  sign(id: string, at: Date, body: string): string;
}

export function createWebhookDispatcher(deps: WebhookDispatcherDeps): WebhookDispatcher {
  const log = deps.log.child({ component: "webhooks" });
  const { settings } = deps;
  const resolve = deps.resolve ?? systemResolver;
  const signers = new Map<string, Webhook[]>();
  const warnedTenants = new Set<string>();
  const inFlight = new Set<Promise<void>>();

  /** Signs with each of the tenant's secrets: `v1,<sig> v1,<sig>`, any of which a Standard Webhooks receiver accepts. */
  const signerOf = (tenantId: string): Signer | undefined => {
    const secrets = settings.secrets.get(tenantId);
    if (!secrets || secrets.length === 0) return undefined;
    let tenantSigners = signers.get(tenantId);
    if (!tenantSigners) {
      tenantSigners = secrets.map((secret) => new Webhook(secret));
      signers.set(tenantId, tenantSigners);
    }
    const all = tenantSigners;
    return { sign: (id, at, body) => all.map((signer) => signer.sign(id, at, body)).join(" ") };
  };

  /** The delivery of this event: created on first sight, found again on a redelivery. */
  const deliveryOf = (id: string, event: JobEvent, url: string): Promise<WebhookDeliveryRecord> => {
    const now = new Date();
    return deps.deliveries.findOrCreate({
      _id: id,
      tenantId: event.tenantId,
      jobId: event.jobId,
      eventType: `job.${event.kind}`,
      url,
      attempts: [],
      state: "pending",
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
  };

  /**
   * One POST. The attempt recorded (and shown to the tenant) carries only a coarse reason; the detail of a failure
   * goes to our log, with the URL's origin only (its path, query and user info may hold the tenant's secrets).
   */
  const attemptOnce = async (
    url: URL,
    id: string,
    signer: Signer,
    body: string,
  ): Promise<{ attempt: WebhookAttempt; refused: boolean; detail?: string }> => {
    const at = new Date();
    const started = performance.now();
    let addresses: ResolvedAddress[];
    try {
      addresses = await resolveTarget(url, settings.targets, resolve);
    } catch (err) {
      const durationMs = Math.round(performance.now() - started);
      if (err instanceof TargetNotAllowedError) {
        log.warn({ webhookId: id, target: url.origin, detail: err.detail }, "webhook target not allowed");
        return { attempt: { at, error: "refused_by_policy", durationMs }, refused: true };
      }
      return {
        attempt: { at, error: "connection_failed", durationMs },
        refused: false,
        detail: (err as Error).message,
      };
    }
    const timestamp = new Date();
    const headers = {
      "content-type": "application/json",
      "user-agent": "ai-jobs-webhooks/1",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1_000)),
      "webhook-signature": signer.sign(id, timestamp, body),
    };
    const result = await postJson(url, addresses, headers, body, settings.timeoutMs);
    const attempt: WebhookAttempt = { at, durationMs: result.durationMs };
    if (result.status !== undefined) {
      attempt.status = result.status;
      const reason = failureReasonOfStatus(result.status);
      if (reason) attempt.error = reason;
    }
    if (result.failure) {
      attempt.error = result.failure.reason;
      return { attempt, refused: false, detail: result.failure.detail };
    }
    return { attempt, refused: false };
  };

  const deliver = (msg: JsMsg): Promise<void> =>
    deps.messaging.consume(msg, { consumer: WEBHOOK_CONSUMER, spanName: "deliver webhook" }, async (span) => {
      const decoded = decodeJobEvent(msg);
      if (!decoded.ok) {
        log.warn({ seq: msg.seq, subject: msg.subject, reason: decoded.reason }, "invalid job event skipped");
        msg.ack();
        return;
      }
      const event = decoded.event;
      span.setAttributes({ "job.id": event.jobId, "tenant.id": event.tenantId });
      if (event.kind === "failed" && event.data.error.code === ERROR_CODES.queueFull) {
        // Refused at submit: its client got a 503 at once, and the job never existed for it.
        msg.ack();
        return;
      }
      const job = await deps.jobs.find(event.tenantId, event.jobId);
      const url = job?.webhook?.url;
      const payload = job ? webhookPayloadOf(event, job) : undefined;
      if (!url || !payload) {
        msg.ack();
        return;
      }
      const signer = signerOf(event.tenantId);
      if (!signer) {
        if (!warnedTenants.has(event.tenantId)) {
          warnedTenants.add(event.tenantId);
          log.warn(
            { tenantId: event.tenantId },
            "tenant has no webhook secret (WEBHOOK_SECRETS): its webhooks are skipped",
          );
        }
        msg.ack();
        return;
      }

      const id = `${event.jobId}:${msg.seq}`;
      span.setAttribute("webhook.id", id);
      const delivery = await deliveryOf(id, event, url);
      if (delivery.state !== "pending") {
        // A redelivered event whose delivery is settled: never POST twice.
        msg.ack();
        return;
      }
      const early = (delivery.nextAttemptAt?.getTime() ?? 0) - Date.now();
      if (early > EARLY_TOLERANCE_MS) {
        msg.nak(early);
        return;
      }

      const body = JSON.stringify(payload);
      const target = new URL(delivery.url);
      const { attempt, refused, detail } = await attemptOnce(target, id, signer, body);
      const n = delivery.attempts.length + 1;
      const ok = attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
      span.setAttributes({ "webhook.attempt": n, "webhook.status": attempt.status ?? 0 });
      if (ok) {
        await deps.deliveries.recordAttempt(id, attempt, "delivered", null);
        msg.ack();
      } else if (refused || n > settings.backoffMs.length) {
        await deps.deliveries.recordAttempt(id, attempt, "failed", null);
        log.warn(
          { webhookId: id, target: target.origin, attempts: n, status: attempt.status, reason: attempt.error, detail },
          "webhook delivery failed",
        );
        msg.ack();
      } else {
        const delay = retryDelayMs(settings.backoffMs, n);
        await deps.deliveries.recordAttempt(id, attempt, "pending", new Date(Date.now() + delay));
        log.info(
          {
            webhookId: id,
            target: target.origin,
            attempt: n,
            status: attempt.status,
            reason: attempt.error,
            detail,
            retryInMs: delay,
          },
          "webhook attempt failed",
        );
        msg.nak(delay);
      }
    });

  const deliverSafely = async (msg: JsMsg) => {
    try {
      await deliver(msg);
    } catch (err) {
      log.warn({ err, seq: msg.seq, subject: msg.subject }, "webhook not handled; retrying");
      msg.nak(2_000);
    }
  };

  const consumer = createDurableConsumer({
    name: "webhook-dispatcher",
    nats: deps.nats,
    stream: STREAMS.events,
    durable: WEBHOOK_CONSUMER,
    filterSubject: SUBJECTS.eventsAll,
    log: deps.log,
    async handle(msg) {
      const subject = parseEventSubject(msg.subject);
      if (!subject || !TERMINAL_KINDS.has(subject.kind)) {
        msg.ack();
        return;
      }
      // At most `concurrency` POSTs at once; a message waiting for a slot keeps its lease.
      if (inFlight.size >= settings.concurrency) {
        const keepAlive = setInterval(() => msg.working(), ACK_WAIT_MS / 3);
        try {
          while (inFlight.size >= settings.concurrency) await Promise.race(inFlight);
        } finally {
          clearInterval(keepAlive);
        }
      }
      const task: Promise<void> = deliverSafely(msg).finally(() => inFlight.delete(task));
      inFlight.add(task);
    },
  });

  return {
    start: () => consumer.start(),
    async stop() {
      await consumer.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}
