import {
  BUCKETS,
  CONSUMERS,
  JOB_TYPES,
  type JobType,
  PRIORITIES,
  QUEUES,
  type Queue,
  STREAMS,
  SUBJECTS,
} from "@ai-jobs/contracts";
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { nanos, nkeyAuthenticator } from "@nats-io/nats-core";
import { Objm } from "@nats-io/obj";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createJetStreamPublisher, type JetStreamPublisher } from "./jetstream-publisher.js";
import type { Logger } from "./logger.js";

export interface NatsContext {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Pipelined JetStream publishes on `nc`; `Messaging.publish` goes through it. */
  publisher: JetStreamPublisher;
  /**
   * False from a `disconnect` until the next `reconnect`, and once closed. Lets a caller answer at once during an
   * outage instead of waiting out a publish timeout; a true value does not promise the next publish succeeds.
   */
  connected(): boolean;
}

/** Who the connection is (NATS user, TLS) and where its replies go; all optional (a test server without auth). */
export interface NatsConnectOptions {
  /** The user's NKEY seed (`SU…`): the server knows the public key and this service's permissions. */
  nkeySeed?: string;
  /** Reply subjects are `<inboxPrefix>.…`; a user may subscribe only to its own prefix (nats-auth/permissions.ts). */
  inboxPrefix?: string;
  /** TLS: the CA that signed the server's certificate, and a client certificate and key for mutual TLS. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** Connects and keeps reconnecting forever: a broker restart is an outage to ride out, not a crash. */
export async function connectNats(
  url: string,
  name: string,
  log: Logger,
  opts: NatsConnectOptions = {},
): Promise<NatsContext> {
  const nc = await connect({
    servers: url,
    name,
    ...(opts.nkeySeed === undefined
      ? {}
      : { authenticator: nkeyAuthenticator(new TextEncoder().encode(opts.nkeySeed)) }),
    ...(opts.inboxPrefix === undefined ? {} : { inboxPrefix: opts.inboxPrefix }),
    ...(opts.tls === undefined ? {} : { tls: opts.tls }),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    // nats.js builds an Error per request only to have a stack ready if it fails: ~11 % of a busy worker's CPU.
    noAsyncTraces: true,
  });
  let up = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect" || status.type === "reconnect") {
        up = status.type === "reconnect";
        log.warn({ nats: status.type }, "nats connection");
      }
    }
  })();
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    js: jetstream(nc),
    jsm,
    publisher: createJetStreamPublisher(nc, opts.inboxPrefix),
    connected: () => up && !nc.isClosed(),
  };
}

/** ack_wait of the events service's durable consumers (projector, webhooks, forwarders); they heartbeat at a third. */
export const ACK_WAIT_MS = 30_000;
/**
 * Default ack_wait of the worker consumers (`JOBS_ACK_WAIT_MS`): a killed worker's job runs again elsewhere about
 * this long after its last heartbeat (docs/ARCHITECTURE.md, "Crashes", says why 8 s).
 */
export const WORKER_ACK_WAIT_MS = 8_000;
const DAY_MS = 86_400_000;
const DUPLICATE_WINDOW_MS = 2 * 60_000;

export interface ProvisionOptions {
  jobsMaxMsgs: number;
  jobsMaxBytes: number;
  /** ack_wait of the worker consumers; default WORKER_ACK_WAIT_MS. */
  ackWaitMs?: number;
}

/** The stream definitions of DESIGN.md. */
export function streamConfigs(opts: ProvisionOptions): Array<Partial<StreamConfig> & { name: string }> {
  return [
    {
      name: STREAMS.jobs,
      subjects: [SUBJECTS.jobsAll],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      // A full queue refuses new jobs (the gateway answers 503) and never drops accepted ones.
      discard: DiscardPolicy.New,
      max_msgs: opts.jobsMaxMsgs,
      max_bytes: opts.jobsMaxBytes,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      // No allow_msg_schedules here: nats-server 2.12 refuses schedules on a discard-new stream, and a schedule's
      // target must be in its own stream. Delayed jobs get a stream of their own (see docs/ARCHITECTURE.md).
    },
    {
      name: STREAMS.events,
      subjects: [SUBJECTS.eventsAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(7 * DAY_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      // Readers take a job's latest events with one direct get (`latestEventsOf`): the record is projected later.
      allow_direct: true,
    },
    {
      name: STREAMS.deadLetters,
      subjects: [SUBJECTS.deadLettersAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(30 * DAY_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    },
    {
      // Schedules (`delayed.sched.<jobId>`) fire into `delayed.due.…` in this same stream, as NATS requires; the
      // forwarder in events moves due jobs into JOBS. max_age covers the longest allowed delay (30 days).
      name: STREAMS.delayed,
      subjects: [SUBJECTS.delayedAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(31 * DAY_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      allow_msg_schedules: true,
    },
    {
      name: STREAMS.advisories,
      subjects: [SUBJECTS.maxDeliveriesAdvisories],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: nanos(30 * DAY_MS),
    },
  ];
}

/** The largest attempt budget of a queue's job types: the consumer's max_deliver is a backstop above it. */
export function maxAttemptsOfQueue(queue: Queue): number {
  return Math.max(
    ...(Object.keys(JOB_TYPES) as JobType[])
      .filter((t) => JOB_TYPES[t].queue === queue)
      .map((t) => JOB_TYPES[t].maxAttempts),
  );
}

/**
 * Creates or updates the streams, buckets and worker consumers. Safe to run from every replica at boot, at the
 * same time: it only adds or widens, and never deletes anything another replica uses.
 */
export async function provision({ js, jsm }: NatsContext, opts: ProvisionOptions): Promise<void> {
  for (const cfg of streamConfigs(opts)) await ensureStream(jsm, cfg);
  const kvm = new Kvm(js);
  await kvm.create(BUCKETS.control, { ttl: 7 * DAY_MS, history: 1, storage: StorageType.File });
  await kvm.create(BUCKETS.workers, { ttl: 15_000, history: 1, storage: StorageType.File });
  await new Objm(js).create(BUCKETS.materials, { storage: StorageType.File });
  await new Objm(js).create(BUCKETS.exports, { storage: StorageType.File });
  for (const queue of QUEUES) {
    for (const priority of PRIORITIES) {
      await ensureConsumer(jsm, STREAMS.jobs, {
        durable_name: CONSUMERS.worker(queue, priority),
        filter_subject: SUBJECTS.jobFilter(queue, priority),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(opts.ackWaitMs ?? WORKER_ACK_WAIT_MS),
        // The worker dead-letters at maxAttempts; one extra delivery lets it do so after crash loops.
        max_deliver: maxAttemptsOfQueue(queue) + 2,
        max_ack_pending: 10_000,
      });
    }
  }
}

async function ensureStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string }): Promise<void> {
  const existing = await jsm.streams.info(cfg.name).catch(() => undefined);
  if (!existing) {
    try {
      await jsm.streams.add(cfg);
      return;
    } catch (err) {
      // Another replica may have created it between our info and add; anything else is a real error.
      if (!(await jsm.streams.info(cfg.name).catch(() => undefined))) throw err;
    }
  }
  const { name, retention: _retention, storage: _storage, ...mutable } = cfg;
  await jsm.streams.update(name, mutable);
}

export async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  cfg: Parameters<JetStreamManager["consumers"]["add"]>[1] & { durable_name: string },
): Promise<void> {
  const existing = await jsm.consumers.info(stream, cfg.durable_name).catch(() => undefined);
  if (!existing) {
    try {
      await jsm.consumers.add(stream, cfg);
      return;
    } catch (err) {
      // Lost a creation race with another replica, or a real error.
      if (!(await jsm.consumers.info(stream, cfg.durable_name).catch(() => undefined))) throw err;
    }
  }
  const { durable_name, filter_subject: _f, deliver_policy: _d, ack_policy: _a, ...mutable } = cfg;
  await jsm.consumers.update(stream, durable_name, mutable);
}

export { CONSUMERS };
