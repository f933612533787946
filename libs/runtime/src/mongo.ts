import type {
  ChunkRecord,
  DocumentRecord,
  JobRecord,
  QueuedRecord,
  StudyDay,
  StudyPlan,
  StudyTask,
  WebhookFailureReason,
} from "@ai-jobs/contracts";
import { type Collection, type Db, MongoClient } from "mongodb";
import type { ApiKeyRecord, ApiKeyUse } from "./auth/api-keys.js";

export interface JobEventRecord {
  /** The JOB_EVENTS stream sequence: unique, so a replayed event is never stored twice. */
  _id: number;
  jobId: string;
  tenantId: string;
  kind: string;
  attempt: number;
  at: Date;
  data: Record<string, unknown>;
}

/** A JOBS_DLQ message indexed for the admin API (the stream itself has no tenant in its subjects). */
export interface DeadLetterRecord {
  /** The JOBS_DLQ stream sequence. */
  _id: number;
  tenantId: string | null;
  jobId: string | null;
  queue: string;
  type: string | null;
  error: { code: string; message: string };
  attempts: number;
  originalSubject: string;
  at: Date;
  replayedAt: Date | null;
}

/** One `Idempotency-Key` per tenant: `_id` is `<tenantId>:<key>`, so a concurrent duplicate hits the unique `_id`. */
export interface IdempotencyRecord {
  _id: string;
  tenantId: string;
  jobId: string;
  /** A hash of the route and body: the same key with a different request is refused. */
  requestHash: string;
  createdAt: Date;
}

/** One POST of a webhook delivery. */
export interface WebhookAttempt {
  at: Date;
  /** The HTTP status, when an answer came back. */
  status?: number;
  /**
   * Why the attempt failed, coarse because the tenant reads it (the detail is logged only). Records written before
   * reasons were coarse may hold free text: read them through `failureReasonOfStored`.
   */
  error?: WebhookFailureReason;
  durationMs: number;
}

/**
 * The delivery of one terminal job event to the job's webhook, written by the events service. `_id` is the
 * `webhook-id` (`<jobId>:<terminal event seq>`): a redelivered event finds its delivery instead of POSTing again.
 */
export interface WebhookDeliveryRecord {
  _id: string;
  tenantId: string;
  jobId: string;
  eventType: string;
  url: string;
  attempts: WebhookAttempt[];
  state: "pending" | "delivered" | "failed";
  /** When the next attempt is due (pending only). */
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A dispatch that could not be published (NATS unreachable or timing out): the outbox the events reconciler
 * publishes from. Written only on that path; a healthy submit never touches it. `_id` is the dispatch's command id
 * (`<jobId>`, or `<jobId>:retry:<n>`), so writing the same dispatch twice is one entry.
 */
export interface JobOutboxEntry {
  _id: string;
  jobId: string;
  tenantId: string;
  type: string;
  spec: QueuedRecord;
  runAt: Date | null;
  /** The explicit retry this dispatch is (0: the first run). */
  retry: number;
  createdAt: Date;
}

export interface Collections {
  jobs: Collection<JobRecord>;
  jobEvents: Collection<JobEventRecord>;
  plans: Collection<StudyPlan>;
  days: Collection<StudyDay>;
  tasks: Collection<StudyTask>;
  documents: Collection<DocumentRecord>;
  chunks: Collection<ChunkRecord>;
  deadLetters: Collection<DeadLetterRecord>;
  idempotencyKeys: Collection<IdempotencyRecord>;
  webhookDeliveries: Collection<WebhookDeliveryRecord>;
  jobOutbox: Collection<JobOutboxEntry>;
  apiKeys: Collection<ApiKeyRecord>;
  apiKeyUses: Collection<ApiKeyUse>;
}

export interface MongoContext {
  client: MongoClient;
  db: Db;
  collections: Collections;
}

export async function connectMongo(url: string, dbName: string): Promise<MongoContext> {
  // Short selection timeout: a request during an outage fails fast (503) instead of hanging for 30 s.
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000, appName: "ai-jobs" });
  await client.connect();
  const db = client.db(dbName);
  return { client, db, collections: collectionsOf(db) };
}

export function collectionsOf(db: Db): Collections {
  return {
    jobs: db.collection<JobRecord>("jobs"),
    jobEvents: db.collection<JobEventRecord>("job_events"),
    plans: db.collection<StudyPlan>("study_plans"),
    days: db.collection<StudyDay>("study_days"),
    tasks: db.collection<StudyTask>("study_tasks"),
    documents: db.collection<DocumentRecord>("documents"),
    chunks: db.collection<ChunkRecord>("chunks"),
    deadLetters: db.collection<DeadLetterRecord>("dead_letters"),
    idempotencyKeys: db.collection<IdempotencyRecord>("idempotency_keys"),
    webhookDeliveries: db.collection<WebhookDeliveryRecord>("webhook_deliveries"),
    jobOutbox: db.collection<JobOutboxEntry>("job_outbox"),
    apiKeys: db.collection<ApiKeyRecord>("api_keys"),
    apiKeyUses: db.collection<ApiKeyUse>("api_key_uses"),
  };
}

/** Idempotent; every service runs it at boot. Only indexes FerretDB supports (no TTL, no partial). */
export async function ensureIndexes(c: Collections): Promise<void> {
  await Promise.all([
    c.jobs.createIndex({ tenantId: 1, _id: -1 }),
    c.jobOutbox.createIndex({ createdAt: 1 }),
    c.jobEvents.createIndex({ jobId: 1, _id: 1 }),
    c.plans.createIndex({ tenantId: 1, createdAt: -1 }),
    c.days.createIndex({ planId: 1, index: 1 }),
    c.tasks.createIndex({ planId: 1, dayId: 1, sectionId: 1, index: 1 }),
    c.documents.createIndex({ planId: 1 }),
    c.chunks.createIndex({ documentId: 1, index: 1 }),
    c.chunks.createIndex({ planId: 1 }),
    // The ingestor's plan-wide dedupe lookup and search's scan of the active generations.
    c.chunks.createIndex({ tenantId: 1, planId: 1, embedder: 1, contentHash: 1 }),
    c.chunks.createIndex({ tenantId: 1, planId: 1, generation: 1 }),
    c.deadLetters.createIndex({ tenantId: 1, _id: -1 }),
    c.idempotencyKeys.createIndex({ createdAt: 1 }),
    c.webhookDeliveries.createIndex({ tenantId: 1, jobId: 1 }),
    // Listing a tenant's keys; authentication finds a key by `_id`.
    c.apiKeys.createIndex({ tenantId: 1, createdAt: -1 }),
  ]);
}
