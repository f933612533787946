import type { z } from "zod";
import type { Queue } from "../queues.js";
import type { StorageKind } from "../subjects.js";

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** A job type's contract: what the gateway checks at submit and a worker runs by. No handler: that is the worker's. */
export interface JobTypeSpec<
  N extends string = string,
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  /** The type's name in commands, events and the API (`plan.generate`): its key in the registry. */
  type: N;
  queue: Queue;
  payload: P;
  result: R;
  /** Hard limit for one attempt; the handler's AbortSignal fires when it passes. */
  timeoutMs: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  /**
   * Its product is a model's answer: the gateway refuses it for a tenant over its daily token budget, and the worker
   * checks that budget before it starts. (`material.ingest` is not: its summary is checked before its own call and
   * falls back to an extractive one.) Every job's model calls are charged to the budget after.
   */
  spendsTokens: boolean;
  /** Writes a file into this object store: its tenant's byte quota there is checked before, and charged after. */
  storesIn?: StorageKind;
}

/** A job type's contract, with its name and schemas kept as literal types (so payloads and results are typed). */
export const jobType = <const N extends string, P extends z.ZodType, R extends z.ZodType>(
  spec: JobTypeSpec<N, P, R>,
): JobTypeSpec<N, P, R> => spec;

/** The contracts keyed by their names. */
export type Registry<S extends readonly JobTypeSpec[]> = { readonly [Spec in S[number] as Spec["type"]]: Spec };

/** Keys a list of contracts by name; a name listed twice is refused when contracts load. */
export function registryOf<const S extends readonly JobTypeSpec[]>(...specs: S): Registry<S> {
  const byName: Record<string, JobTypeSpec> = {};
  for (const spec of specs) {
    if (Object.hasOwn(byName, spec.type)) throw new Error(`job type "${spec.type}" is in the registry twice`);
    byName[spec.type] = spec;
  }
  return byName as Registry<S>;
}
