/**
 * Turns texts into vectors of a fixed dimension, in the order given. The offline hashing embedder implements it
 * now; an OpenAI embeddings client can implement it later (and must pass `signal` to its requests).
 */
export interface Embedder {
  /** Stored nowhere yet, but logged: `hashing`, or a model name. */
  readonly name: string;
  readonly dimension: number;
  embed(texts: string[], signal: AbortSignal): Promise<number[][]>;
}
