import { createWorker, type JobHandlers, type ServiceContext, type Worker } from "@ai-jobs/runtime";
import type { ChunkOptions } from "./chunking/chunk-text.js";
import { createChunksRepo } from "./data/chunks-repo.js";
import { createDocumentsRepo } from "./data/documents-repo.js";
import { createMaterialsStore } from "./data/materials-store.js";
import { createHashingEmbedder } from "./embedding/hashing-embedder.js";
import type { Embedder } from "./embedding/types.js";
import type { IngestorDeps } from "./handlers/deps.js";
import { materialIngest } from "./handlers/material-ingest.js";
import { onIngestorFailure } from "./handlers/on-failure.js";

export const SERVICE_NAME = "ingestor";
export const QUEUE = "ingest";
/** Text files beyond this are a mistake, not study material. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export function ingestorHandlers(deps: IngestorDeps): JobHandlers {
  return { "material.ingest": materialIngest(deps) };
}

export interface IngestorWorkerOptions {
  concurrency: number;
  instanceId: string;
  embeddingDim: number;
  chunking: ChunkOptions;
  /** Default: the offline hashing embedder of `embeddingDim` dimensions. */
  embedder?: Embedder;
  maxFileBytes?: number;
  pullExpiresMs?: number;
  /** Default: `JOBS_ACK_WAIT_MS` from the service config (it must match the consumers' ack_wait). */
  ackWaitMs?: number;
}

/** The ingestor's worker on the `ingest` queue, wired to a booted service. */
export function createIngestorWorker(ctx: ServiceContext, opts: IngestorWorkerOptions): Worker {
  const deps: IngestorDeps = {
    documents: createDocumentsRepo(ctx.mongo.collections),
    chunks: createChunksRepo(ctx.mongo.collections),
    materials: createMaterialsStore(ctx.nats.js),
    embedder: opts.embedder ?? createHashingEmbedder(opts.embeddingDim),
    chunking: opts.chunking,
    maxFileBytes: opts.maxFileBytes ?? MAX_FILE_BYTES,
  };
  return createWorker({
    nats: ctx.nats,
    messaging: ctx.messaging,
    events: ctx.events,
    queue: QUEUE,
    concurrency: opts.concurrency,
    handlers: ingestorHandlers(deps),
    onFailure: onIngestorFailure(deps.documents),
    log: ctx.log,
    serviceName: SERVICE_NAME,
    instanceId: opts.instanceId,
    ackWaitMs: opts.ackWaitMs ?? ctx.jobSettings.ackWaitMs,
    timeouts: ctx.jobSettings.timeouts,
    ...(opts.pullExpiresMs === undefined ? {} : { pullExpiresMs: opts.pullExpiresMs }),
  });
}
