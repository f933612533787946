/**
 * The booted-service harness every integration suite builds on: a real nats-server and a FerretDB (or MONGO_URL) of
 * its own, a service context booted against them as the service boots (`bootService`: provisioning, indexes), and
 * what the suites do with it: count, publish a command or an event, read a job's events, wait for a record, run a
 * worker in this process or a service as a process of its own, and close it all. What is a single service's own (the
 * gateway's app builder, the events service's record builders) stays in that service's test folder, built on this.
 */
import { isJobType, JOB_TYPES, type JobCommand, JobEvent, type JobType, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import {
  type BaseConfig,
  baseConfigShape,
  bootService,
  type Collections,
  closeService,
  createIdGenerator,
  createJobOutbox,
  createJobReader,
  createServiceWorker,
  type JobOutbox,
  type JobReader,
  loadConfig,
  NATS_SERVICES,
  type NatsService,
  type ServiceContext,
  type Worker,
  type WorkerRunOptions,
  type WorkerServiceDefinition,
} from "@ai-jobs/runtime";
import type { Collection, Filter, WithId } from "mongodb";
import { type MongoServer, startMongo } from "./mongo.js";
import { type NatsServer, type StartNatsOptions, startNats } from "./nats.js";
import {
  type ServiceName,
  type StartedService,
  type StartServiceProcessOptions,
  startServiceProcess,
} from "./service-process.js";
import { waitFor } from "./wait.js";

export interface TestServersOptions {
  /** How nats-server starts: `{ auth: true }` for the generated authorization, every service its own user. */
  nats?: StartNatsOptions;
}

/**
 * A nats-server and a FerretDB (or MONGO_URL) of a suite's own, and what runs on them: service processes, and the
 * booted context of a harness. A suite that must start a process before anything else touches the servers (its boot
 * provisions from scratch) spawns it here first, then boots its harness.
 */
export interface TestServers {
  nats: NatsServer;
  mongo: MongoServer;
  /** A service as a process of its own on these servers (startServiceProcess); killed by close(). */
  spawn(name: ServiceName, opts?: Omit<StartServiceProcessOptions, "nats" | "mongo">): Promise<StartedService>;
  /** A context booted on these servers, with the harness's helpers; its close() is this close(). */
  boot<C extends BaseConfig = BaseConfig>(opts: BootOptions<C>): Promise<ServiceHarness<C>>;
  /** Runs `close` first thing in close() (the last one registered first). */
  onClose(close: () => Promise<unknown> | unknown): void;
  /** Stops everything started on the servers (the last first), then the servers. */
  close(): Promise<void>;
}

export interface BootOptions<C extends BaseConfig> {
  /**
   * The name the context boots as (`bootService`): its logs and metrics, and with `nats: { auth: true }` the NATS
   * user it connects as (a test that plays the gateway boots as "gateway").
   */
  service: string;
  /** The service's settings from the environment, e.g. `(env) => loadConfig(configShape, env)`; default: the base ones. */
  config?: (env: Record<string, string>) => C;
  /** Settings beyond the ones the harness sets (NATS_URL, MONGO_URL, MONGO_DB, LOG_LEVEL=silent), which they override. */
  env?: Record<string, string>;
}

export type ServiceHarnessOptions<C extends BaseConfig> = BootOptions<C> & TestServersOptions;

/** A document of one of the runtime's collections. */
export type DocumentOf<K extends keyof Collections> = Collections[K] extends Collection<infer D> ? WithId<D> : never;

/** A command to publish: the fields a test cares about; the rest as the gateway would fill them. */
export type CommandSpec = Pick<JobCommand, "tenantId" | "type" | "payload"> & Partial<JobCommand>;

export interface EventsOfOptions {
  /** Stop waiting for the terminal event after this long (default 20 s): the events so far are returned. */
  timeoutMs?: number;
  /** Sees each event as it arrives. */
  onEvent?: (event: JobEvent) => void;
}

export interface WaitForRecordOptions<D> {
  /** Wait until the record also satisfies this. */
  until?: (record: D) => boolean;
  /** What is awaited, for the timeout message. */
  what?: string;
  /** Default 10 s. */
  timeoutMs?: number;
}

export interface ServiceHarness<C extends BaseConfig = BaseConfig> extends Omit<TestServers, "boot"> {
  ctx: ServiceContext;
  config: C;
  /** The settings `config` was read from: the connections, LOG_LEVEL and the suite's own. */
  env: Record<string, string>;
  /** A fresh ULID (job ids, record ids). */
  newId(): string;
  outbox: JobOutbox;
  /** Jobs as the services read them: the projected record overlaid with the events not projected yet. */
  reader: JobReader;
  /** How many documents `collection` holds (matching `filter`). */
  count<K extends keyof Collections>(collection: K, filter?: Filter<DocumentOf<K>>): Promise<number>;
  /** How many messages `stream` holds. */
  streamMessages(stream: string): Promise<number>;
  /** How many messages `stream` holds on exactly `subject`. */
  countOn(stream: string, subject: string): Promise<number>;
  /**
   * Counts of collections and streams in one call, keyed by the collection's name and by the key each stream is
   * given: what a refused request must leave unchanged.
   */
  counts<K extends keyof Collections, S extends string = never>(what: {
    collections?: readonly K[];
    streams?: Record<S, string>;
  }): Promise<Record<K | S, number>>;
  /**
   * Publishes a job command the way the gateway does (on its queue's subject, the job id as the message id unless
   * `msgId` says otherwise); resolves with the command. Defaults: a fresh job id, user `user_1`, priority `normal`,
   * the type's own queue.
   */
  publishCommand(spec: CommandSpec, opts?: { msgId?: string }): Promise<JobCommand>;
  /**
   * Publishes a job event through the runtime's publisher; resolves with its stream sequence. `n` tells apart events
   * of the same job, attempt and kind (the publisher deduplicates on them).
   */
  publishEvent(event: JobEvent, n?: number): Promise<number>;
  /** A job's events from JOB_EVENTS, in order, up to its terminal one (or the timeout). */
  eventsOf(tenantId: string, jobId: string, opts?: EventsOfOptions): Promise<JobEvent[]>;
  /** Polls `collection` until a document matches `filter` (and `until`); resolves with it. */
  waitForRecord<K extends keyof Collections>(
    collection: K,
    filter: Filter<DocumentOf<K>>,
    opts?: WaitForRecordOptions<DocumentOf<K>>,
  ): Promise<DocumentOf<K>>;
  /** A worker of `service` on this context, started; stopped by close(). */
  startWorker<D, O>(service: WorkerServiceDefinition<D, O>, options: O & WorkerRunOptions): Promise<Worker>;
}

const TERMINAL = new Set<JobEvent["kind"]>(["succeeded", "failed", "cancelled"]);

const queueOf = (type: string): JobCommand["queue"] => {
  if (!isJobType(type)) throw new Error(`publishCommand: "${type}" is no job type: give its queue`);
  return JOB_TYPES[type as JobType].queue;
};

/** Starts the servers of a suite: a nats-server and a FerretDB (or MONGO_URL), each of its own. */
export async function startTestServers(opts: TestServersOptions = {}): Promise<TestServers> {
  const [nats, mongo] = await Promise.all([startNats(opts.nats), startMongo()]);
  const closers: Array<() => Promise<unknown> | unknown> = [];
  const onClose = (fn: () => Promise<unknown> | unknown) => {
    closers.push(fn);
  };
  const servers: TestServers = {
    nats,
    mongo,
    async spawn(name, spawnOpts = {}) {
      const proc = await startServiceProcess(name, { ...spawnOpts, nats, mongo });
      onClose(() => proc.kill("SIGKILL"));
      return proc;
    },
    async boot<C extends BaseConfig = BaseConfig>(bootOpts: BootOptions<C>) {
      const user = (NATS_SERVICES as readonly string[]).includes(bootOpts.service)
        ? nats.auth?.envOf(bootOpts.service as NatsService)
        : undefined;
      const env: Record<string, string> = {
        NATS_URL: nats.url,
        ...user,
        MONGO_URL: mongo.url,
        MONGO_DB: mongo.dbName,
        LOG_LEVEL: "silent",
        ...bootOpts.env,
      };
      const config = bootOpts.config ? bootOpts.config(env) : (loadConfig(baseConfigShape, env) as C);
      const ctx = await bootService(bootOpts.service, "test", config);
      onClose(() => closeService(ctx));
      return harnessOn(servers, { ctx, config, env });
    },
    onClose,
    async close() {
      for (const fn of closers.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
      await Promise.all([nats.cleanup(), mongo.cleanup()]);
    },
  };
  return servers;
}

/** Starts a suite's servers and boots a service context on them (startTestServers, then boot). */
export async function startServiceHarness<C extends BaseConfig = BaseConfig>(
  opts: ServiceHarnessOptions<C>,
): Promise<ServiceHarness<C>> {
  const servers = await startTestServers(opts);
  try {
    return await servers.boot(opts);
  } catch (err) {
    await servers.close();
    throw err;
  }
}

function harnessOn<C extends BaseConfig>(
  servers: TestServers,
  parts: { ctx: ServiceContext; config: C; env: Record<string, string> },
): ServiceHarness<C> {
  const { nats, mongo, spawn, onClose, close } = servers;
  const { ctx, config, env } = parts;
  const c = ctx.mongo.collections;
  const newId = createIdGenerator();
  const outbox = createJobOutbox(c.jobOutbox);
  const reader = createJobReader({ jobs: c.jobs, jsm: ctx.nats.jsm, outbox, log: ctx.log });
  const count = <K extends keyof Collections>(collection: K, filter: Filter<DocumentOf<K>> = {}) =>
    (c[collection] as unknown as { countDocuments(f: unknown): Promise<number> }).countDocuments(filter);
  const streamMessages = async (stream: string) => (await ctx.nats.jsm.streams.info(stream)).state.messages;

  return {
    nats,
    mongo,
    ctx,
    config,
    env,
    spawn,
    onClose,
    close,
    newId,
    outbox,
    reader,
    count,
    streamMessages,
    async countOn(stream, subject) {
      const info = await ctx.nats.jsm.streams.info(stream, { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    },
    async counts<K extends keyof Collections, S extends string = never>(what: {
      collections?: readonly K[];
      streams?: Record<S, string>;
    }) {
      const collections = what.collections ?? [];
      const streams = Object.entries<string>(what.streams ?? ({} as Record<S, string>));
      const values = await Promise.all([
        ...collections.map((name) => count(name)),
        ...streams.map(([, stream]) => streamMessages(stream)),
      ]);
      const keys = [...collections, ...streams.map(([key]) => key)];
      return Object.fromEntries(keys.map((key, i) => [key, values[i]])) as Record<K | S, number>;
    },
    async publishCommand(spec, publishOpts = {}) {
      const command: JobCommand = {
        jobId: newId(),
        userId: "user_1",
        priority: "normal",
        queue: spec.queue ?? queueOf(spec.type),
        createdAt: new Date().toISOString(),
        ...spec,
      };
      await ctx.messaging.publish(SUBJECTS.job(command.queue, command.priority, command.tenantId), command, {
        msgId: publishOpts.msgId ?? command.jobId,
      });
      return command;
    },
    async publishEvent(event, n) {
      return (await ctx.events.publish(event, n === undefined ? {} : { n })).seq;
    },
    async eventsOf(tenantId, jobId, eventOpts = {}) {
      const consumer = await ctx.nats.js.consumers.get(STREAMS.events, {
        filter_subjects: SUBJECTS.eventsOfJob(tenantId, jobId),
      });
      const messages = await consumer.consume();
      const timer = setTimeout(() => messages.stop(), eventOpts.timeoutMs ?? 20_000);
      const events: JobEvent[] = [];
      try {
        for await (const m of messages) {
          const event = JobEvent.parse(m.json());
          events.push(event);
          eventOpts.onEvent?.(event);
          if (TERMINAL.has(event.kind)) break;
        }
      } finally {
        clearTimeout(timer);
        messages.stop();
      }
      return events;
    },
    waitForRecord(collection, filter, waitOpts = {}) {
      const find = c[collection] as unknown as { findOne(f: unknown): Promise<DocumentOf<typeof collection> | null> };
      return waitFor(
        async () => {
          const doc = await find.findOne(filter);
          return doc !== null && (waitOpts.until?.(doc) ?? true) ? doc : undefined;
        },
        {
          what: waitOpts.what ?? `a ${String(collection)} record matching ${JSON.stringify(filter)}`,
          ...(waitOpts.timeoutMs === undefined ? {} : { timeoutMs: waitOpts.timeoutMs }),
        },
      );
    },
    async startWorker(service, options) {
      const worker = createServiceWorker(ctx, service, options);
      onClose(() => worker.stop(2_000));
      await worker.start();
      return worker;
    },
  };
}
