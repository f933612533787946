import { BUCKETS, CONSUMERS, PRIORITIES, QUEUES, type Queue, STREAMS } from "@ai-jobs/contracts";

/**
 * The single source of truth for who may do what on NATS. Each service connects as its own user and may publish
 * and subscribe only to the subjects listed here; the nats-server `authorization` block (server-config.ts) is
 * generated from it, for the testkit, `npm run dev`, Compose and Kubernetes alike.
 *
 * Provisioning stays in every service (each creates or widens the streams, buckets and worker consumers at boot, so
 * any replica may start first): so each user may create, update and read the info of exactly our streams and
 * worker consumers. No user may delete a stream; purges are limited to what the code does (the gateway removing a
 * delayed job's schedule, an object store replacing an object's chunks), and only the events service deletes one
 * message (a JOBS message dead-lettered after max_deliver).
 */
export const NATS_SERVICES = ["gateway", "planner", "ingestor", "events"] as const;
export type NatsService = (typeof NATS_SERVICES)[number];

export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
}

/** The queue each worker service consumes. */
export const WORKER_QUEUES: Readonly<Record<"planner" | "ingestor", Queue>> = {
  planner: "ai_generation",
  ingestor: "ingest",
};

/** Each service's private inbox prefix: replies (API answers, pulled messages, PubAcks) reach only their requester. */
export const inboxPrefixOf = (service: NatsService): string => `_INBOX_${service}`;

const API = "$JS.API";
const kvStream = (bucket: string) => `KV_${bucket}`;
const objStream = (bucket: string) => `OBJ_${bucket}`;

/** Every stream `provision` creates, the KV and object store streams included. */
const PROVISIONED_STREAMS = [
  ...Object.values(STREAMS),
  kvStream(BUCKETS.control),
  kvStream(BUCKETS.workers),
  objStream(BUCKETS.materials),
  objStream(BUCKETS.exports),
];
const WORKER_CONSUMERS = QUEUES.flatMap((q) => PRIORITIES.map((p) => CONSUMERS.worker(q, p)));

/** Create-or-update of a named consumer, in the forms nats.js and the server use (with and without a filter). */
const createConsumer = (stream: string, name: string) => [
  `${API}.CONSUMER.CREATE.${stream}.${name}`,
  `${API}.CONSUMER.CREATE.${stream}.${name}.>`,
  `${API}.CONSUMER.DURABLE.CREATE.${stream}.${name}`,
];

/** What `provision` (libs/runtime/src/nats.ts) does at every boot. */
function provisioning(): string[] {
  return [
    `${API}.INFO`,
    ...PROVISIONED_STREAMS.flatMap((s) => [
      `${API}.STREAM.INFO.${s}`,
      `${API}.STREAM.CREATE.${s}`,
      `${API}.STREAM.UPDATE.${s}`,
    ]),
    ...WORKER_CONSUMERS.flatMap((c) => [
      ...createConsumer(STREAMS.jobs, c),
      `${API}.CONSUMER.INFO.${STREAMS.jobs}.${c}`,
    ]),
  ];
}

/** Reading a stream through consumers of its own (durable, ephemeral or ordered): create, pull, ack, remove. */
function consumeStream(stream: string): NatsPermissions {
  return {
    publish: [
      // Without a name (an ephemeral consumer with several filters), and named (with or without a filter).
      `${API}.CONSUMER.CREATE.${stream}`,
      `${API}.CONSUMER.CREATE.${stream}.>`,
      `${API}.CONSUMER.DURABLE.CREATE.${stream}.>`,
      `${API}.CONSUMER.INFO.${stream}.>`,
      `${API}.CONSUMER.MSG.NEXT.${stream}.>`,
      `${API}.CONSUMER.DELETE.${stream}.>`,
      `$JS.ACK.${stream}.>`,
      `$JS.FC.${stream}.>`,
    ],
    subscribe: [],
  };
}

/** Reading single messages of a stream by sequence or subject. */
const getMessages = (stream: string) => [
  `${API}.DIRECT.GET.${stream}`,
  `${API}.DIRECT.GET.${stream}.>`,
  `${API}.STREAM.MSG.GET.${stream}`,
];

function kvReadWrite(bucket: string): NatsPermissions {
  const stream = kvStream(bucket);
  const watch = consumeStream(stream);
  return { publish: [`$KV.${bucket}.>`, ...getMessages(stream), ...watch.publish], subscribe: [] };
}

function objectStoreRead(bucket: string): NatsPermissions {
  const stream = objStream(bucket);
  return { publish: [...getMessages(stream), ...consumeStream(stream).publish], subscribe: [] };
}

/** Writing replaces an object's chunks: the store purges the old ones by subject. */
function objectStoreWrite(bucket: string): NatsPermissions {
  const read = objectStoreRead(bucket);
  return { publish: [`$O.${bucket}.>`, `${API}.STREAM.PURGE.${objStream(bucket)}`, ...read.publish], subscribe: [] };
}

/** A worker: pulls its own queue's consumers only, heartbeats into WORKERS, watches cancellations, dead-letters. */
function worker(queue: Queue): NatsPermissions {
  const consumers = PRIORITIES.map((p) => CONSUMERS.worker(queue, p));
  return {
    publish: [
      ...consumers.flatMap((c) => [
        `${API}.CONSUMER.INFO.${STREAMS.jobs}.${c}`,
        `${API}.CONSUMER.MSG.NEXT.${STREAMS.jobs}.${c}`,
        `$JS.ACK.${STREAMS.jobs}.${c}.>`,
      ]),
      "events.*.*.*",
      `dlq.${queue}`,
      `$KV.${BUCKETS.workers}.>`,
      ...kvReadWrite(BUCKETS.control).publish.filter((s) => !s.startsWith("$KV.")),
    ],
    subscribe: [],
  };
}

/** The daily token budgets: read a tenant's count before a model call, charge what the calls spent. */
const tokenBudgets = (): NatsPermissions => ({
  publish: ["usage.tokens.*.*", ...getMessages(STREAMS.tenantUsage)],
  subscribe: [],
});

function merge(...parts: NatsPermissions[]): NatsPermissions {
  const uniq = (xs: string[]) => [...new Set(xs)];
  return {
    publish: uniq(parts.flatMap((p) => p.publish)),
    subscribe: uniq(parts.flatMap((p) => p.subscribe)),
  };
}

/** The publish and subscribe allow lists of one service's NATS user. Everything else is denied. */
export function natsPermissions(service: NatsService): NatsPermissions {
  const own: NatsPermissions = { publish: provisioning(), subscribe: [`${inboxPrefixOf(service)}.>`] };
  switch (service) {
    case "gateway":
      return merge(
        own,
        kvReadWrite(BUCKETS.control),
        objectStoreWrite(BUCKETS.materials),
        objectStoreRead(BUCKETS.exports),
        {
          publish: [
            // Submissions of every queue, their events, delayed jobs' schedules and their removal on cancel.
            "jobs.*.*.*",
            "events.*.*.*",
            "delayed.sched.*",
            `${API}.STREAM.PURGE.${STREAMS.delayed}`,
            // A job's latest events (GET /jobs/:id), the queues page (oldest waiting job, live workers).
            ...getMessages(STREAMS.events),
            ...getMessages(STREAMS.jobs),
            ...getMessages(kvStream(BUCKETS.workers)),
            // The request-rate counters (`ratelimit.<key>.<window>`), a tenant's token count before an LLM job, and
            // its stored bytes (read before an upload or export, charged with an accepted upload).
            "ratelimit.*.*",
            ...getMessages(STREAMS.tenantUsage),
            "storage.*.materials",
            ...getMessages(STREAMS.tenantStorage),
          ],
          subscribe: [],
        },
      );
    case "planner":
      return merge(own, worker(WORKER_QUEUES.planner), objectStoreWrite(BUCKETS.exports), tokenBudgets(), {
        // The export quotas: read a tenant's stored bytes before an export, charge the file it wrote.
        publish: ["storage.*.exports", ...getMessages(STREAMS.tenantStorage)],
        subscribe: [],
      });
    case "ingestor":
      // Its document summaries are model calls: checked against and charged to the same budgets.
      return merge(own, worker(WORKER_QUEUES.ingestor), objectStoreRead(BUCKETS.materials), tokenBudgets());
    case "events":
      return merge(
        own,
        consumeStream(STREAMS.events),
        consumeStream(STREAMS.delayed),
        consumeStream(STREAMS.advisories),
        consumeStream(STREAMS.deadLetters),
        {
          publish: [
            // Forwarded delayed jobs, schedules' submissions and replays; their events; dead letters of unsettled jobs.
            "jobs.*.*.*",
            "delayed.sched.*",
            "events.*.*.*",
            "dlq.*",
            ...getMessages(STREAMS.events),
            // A job that exhausted max_deliver: read it, then remove it from the work queue once dead-lettered.
            ...getMessages(STREAMS.jobs),
            `${API}.STREAM.MSG.DELETE.${STREAMS.jobs}`,
          ],
          subscribe: [],
        },
      );
  }
}
