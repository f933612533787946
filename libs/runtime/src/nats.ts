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

/**
 * Default cap on one tenant's jobs in one queue at one priority (`JOBS_MAX_PER_TENANT`): with two queues and four
 * priorities a tenant holds at most 40 % of the default JOBS bound, so the others always find room.
 */
export const JOBS_MAX_PER_TENANT = 50_000;

/** The longest rate-limit window the gateway may use: the RATE_LIMITS stream keeps a counter this long. */
export const RATE_LIMIT_MAX_WINDOW_MS = 60 * 60 * 1000;
const DAY_MS = 86_400_000;
const DUPLICATE_WINDOW_MS = 2 * 60_000;

export interface ProvisionOptions {
  jobsMaxMsgs: number;
  jobsMaxBytes: number;
  /** Jobs of one tenant in one queue at one priority (`jobs.<queue>.<priority>.<tenant>`); default JOBS_MAX_PER_TENANT. */
  jobsMaxPerTenant?: number;
  /** Told when a setting is not applied yet (a per-tenant cap that would delete waiting jobs). */
  log?: Pick<Logger, "warn">;
  /** ack_wait of the worker consumers; default WORKER_ACK_WAIT_MS. */
  ackWaitMs?: number;
}

/** The streams (docs/ARCHITECTURE.md, "Streams and buckets"): each with its subjects, retention, limits and why. */
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
      // The tenant is the last token of a command's subject, so a per-subject limit is a per-tenant cap per queue
      // and priority that JetStream enforces atomically for every replica: discard-new per subject refuses the
      // tenant's next job instead of dropping its oldest.
      max_msgs_per_subject: opts.jobsMaxPerTenant ?? JOBS_MAX_PER_TENANT,
      discard_new_per_subject: true,
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
    {
      // A publish with `Nats-Incr: +1` adds one to its subject's counter atomically and answers the new total, so a
      // rate check is one round trip for every gateway replica alike. Only the last value of a subject is kept, in
      // memory (a restart forgets the current windows, which only lets some requests through early), and a window's
      // counter ages out after the longest window allowed (RATE_LIMIT_MAX_WINDOW_MS).
      name: STREAMS.rateLimits,
      subjects: [SUBJECTS.rateCountersAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.Memory,
      allow_msg_counter: true,
      max_msgs_per_subject: 1,
      max_age: nanos(RATE_LIMIT_MAX_WINDOW_MS),
    },
    {
      // Tokens spent per tenant and UTC day (`token-budget.ts`): counters again, kept on disk for a day past theirs.
      // A charge carries the attempt as its message id, so a charge repeated within the window counts once.
      name: STREAMS.tenantUsage,
      subjects: [SUBJECTS.tenantUsageAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      allow_msg_counter: true,
      max_msgs_per_subject: 1,
      max_age: nanos(2 * DAY_MS),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      // The gateway reads a tenant's count with one direct get before it accepts an LLM job.
      allow_direct: true,
    },
    {
      // Bytes each tenant stores per object store (`storage-quota.ts`): counters that never age out, since the
      // objects stay until deleted; a refund is a negative increment.
      name: STREAMS.tenantStorage,
      subjects: [SUBJECTS.tenantStorageAll],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      allow_msg_counter: true,
      max_msgs_per_subject: 1,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      allow_direct: true,
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
  for (const cfg of streamConfigs(opts)) await ensureStream(jsm, cfg, opts.log);
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

async function ensureStream(
  jsm: JetStreamManager,
  cfg: Partial<StreamConfig> & { name: string },
  log: Pick<Logger, "warn"> | undefined,
): Promise<void> {
  let existing = await jsm.streams.info(cfg.name).catch(() => undefined);
  if (!existing) {
    try {
      await jsm.streams.add(cfg);
      return;
    } catch (err) {
      // Another replica may have created it between our info and add; anything else is a real error.
      existing = await jsm.streams.info(cfg.name).catch(() => undefined);
      if (!existing) throw err;
    }
  }
  const { name, retention: _retention, storage: _storage, ...mutable } = cfg;
  if (mutable.max_msgs_per_subject !== undefined) {
    mutable.max_msgs_per_subject = await perSubjectLimitFor(
      jsm,
      name,
      existing.config.max_msgs_per_subject,
      mutable.max_msgs_per_subject,
      log,
    );
  }
  await jsm.streams.update(name, mutable);
}

/**
 * The per-subject limit to give an existing stream. nats-server enforces a lowered (or newly set) limit by deleting
 * each subject's oldest messages, whatever the discard policy: on JOBS that would drop accepted jobs. So a limit is
 * raised at once but lowered only while every subject holds well under it (a tenth of headroom, for what may be
 * published between this read and the update); otherwise the current limit stays, and a later boot tries again.
 */
async function perSubjectLimitFor(
  jsm: JetStreamManager,
  name: string,
  current: number,
  wanted: number,
  log: Pick<Logger, "warn"> | undefined,
): Promise<number> {
  if (current > 0 && current <= wanted) return wanted;
  const { state } = await jsm.streams.info(name, { subjects_filter: ">" });
  const largest = Object.values(state.subjects ?? {}).reduce((max, n) => Math.max(max, n), 0);
  if (largest <= wanted - Math.ceil(wanted / 10)) return wanted;
  log?.warn(
    { stream: name, current, wanted, largest },
    "per-subject limit not lowered: a subject holds too many messages, and nats-server would delete them",
  );
  return current;
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
