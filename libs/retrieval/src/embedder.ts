/** Called after each embeddings batch: `done` of `total` batches. */
export type BatchListener = (done: number, total: number) => Promise<void> | void;

export interface EmbedOptions {
  /** The job's (or request's) signal: aborts the HTTP calls and stops between batches. */
  signal: AbortSignal;
  onBatch?: BatchListener;
}

/** Turns texts into vectors of a fixed dimension, in the order given. */
export interface Embedder {
  /** Stored with every chunk (`hashing-256`, `openai:<model>:<dim>`): vectors of two embedders are never compared. */
  readonly name: string;
  readonly dimension: number;
  /** Texts per request (1 call per batch); the offline embedder checks the signal once per batch. */
  readonly batchSize: number;
  embed(texts: readonly string[], opts: EmbedOptions): Promise<number[][]>;
}

/** How many batches `count` texts make. */
export const batchCount = (count: number, batchSize: number): number => Math.ceil(count / Math.max(1, batchSize));
