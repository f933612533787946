import { isJobType, JOB_TYPES, type JobType, type Queue } from "@ai-jobs/contracts";
import type { FailureHook, JobHandler } from "./types.js";

/**
 * A job type as a worker runs it, in one place: the type names its registry entry in contracts (payload and result
 * schemas, queue, time limit, attempts, backoff: shared with the gateway, so they stay there), and the definition
 * adds the handler and what to do when a job of the type ends without a result.
 */
export interface JobDefinition<T extends JobType> {
  readonly type: T;
  readonly handler: JobHandler<T>;
  /** Runs once when a job of this type fails for good or is cancelled, before its terminal event. */
  readonly onFailure?: FailureHook<T>;
}

/** A definition of any one job type: a worker runs a list of them. */
export type AnyJobDefinition = { [T in JobType]: JobDefinition<T> }[JobType];

/** A definition whose handler and hook are checked against its type's payload and result. */
export const defineJob = <T extends JobType>(definition: JobDefinition<T>): JobDefinition<T> => definition;

/** One worker's definitions by type, and the queue they all run on. */
export interface JobCatalog {
  readonly queue: Queue;
  get(type: string): AnyJobDefinition | undefined;
}

/**
 * Checks a worker's definitions when it is built: at least one, each type known and defined once, all on one queue
 * (the registry's), so a definition meant for another service's queue fails at boot instead of never running.
 */
export function jobCatalog(definitions: readonly AnyJobDefinition[]): JobCatalog {
  const first = definitions[0];
  if (!first) throw new Error("a worker needs at least one job definition");
  const queue = JOB_TYPES[first.type].queue;
  const byType = new Map<string, AnyJobDefinition>();
  for (const definition of definitions) {
    const { type } = definition;
    if (!isJobType(type)) throw new Error(`job type "${type}" is not in the registry`);
    if (byType.has(type)) throw new Error(`job type "${type}" is defined twice`);
    const own = JOB_TYPES[type].queue;
    if (own !== queue) {
      throw new Error(`job type "${type}" runs on queue ${own}, "${first.type}" on ${queue}: a worker runs one queue`);
    }
    byType.set(type, definition);
  }
  return { queue, get: (type) => byType.get(type) };
}
