import { monotonicFactory } from "ulid";

/** Creates an id generator of sortable ULIDs (monotonic within the same millisecond). */
export function createIdGenerator(): () => string {
  return monotonicFactory();
}
