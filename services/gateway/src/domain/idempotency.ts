import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { JobReader } from "@ai-jobs/runtime";
import { conflict, idempotencyKeyReused, invalid } from "@ai-jobs/runtime";
import { type IdempotencyKeyRepository, idempotencyRecordId } from "../data/idempotency-keys.js";
import type { StoredJob } from "../data/jobs.js";
import type { Caller } from "./context.js";

/** What a submit carries when the client sent `Idempotency-Key`. */
export interface Idempotency {
  key: string;
  /** sha256 of the operation and its canonical input: the same key with another request is refused. */
  requestHash: string;
}

export interface IdempotencyDeps {
  keys: IdempotencyKeyRepository;
  /** Finds the original request's job as soon as it is accepted, before its record is projected. */
  reader: JobReader;
}

export type Claim =
  /** The key is this request's: go on, and release it if the job is not created after all. */
  | { claimed: true; release(): Promise<void> }
  /** The same request was made before: answer with its job. */
  | { claimed: false; job: StoredJob };

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

/** Printable ASCII, at most 200 characters. */
const KEY_PATTERN = /^[\x20-\x7E]{1,200}$/;
/** How long a repeated request waits for the original one to create its job. */
const REPLAY_WAIT_MS = 5_000;
const REPLAY_POLL_MS = 50;
/** A key whose job has not appeared after this long belongs to a request that died in between: it is taken over. */
const ABANDONED_AFTER_MS = 30_000;
/** Claims tried before giving up when keys keep being freed under us (originals that keep failing). */
const MAX_CLAIMS = 3;

/** The `Idempotency-Key` header's value, or undefined when there is none; a malformed key is a 400. */
export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !KEY_PATTERN.test(value)) {
    throw invalid("Idempotency-Key", "must be 1 to 200 printable ASCII characters");
  }
  return value;
}

/** JSON with object keys sorted at every level, so equal inputs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** sha256 (hex) of the operation (method and route) and the canonical form of its input. */
export function requestHash(operation: string, input: unknown): string {
  return createHash("sha256")
    .update(canonicalJson([operation, input]))
    .digest("hex");
}

/**
 * Takes `Idempotency-Key` for a new job before anything is created: the record `<tenantId>:<key>` is inserted, and
 * its unique `_id` lets exactly one of any number of concurrent duplicates through. A loser checks the request
 * hash (another request under the same key is a 422), then waits up to 5 s for the winner's job record and
 * replays it. If the winner fails and frees the key meanwhile, the key is claimed again. When the winner is still
 * busy after 5 s the answer is 409 with `Retry-After`.
 */
export async function claimIdempotencyKey(
  deps: IdempotencyDeps,
  caller: Caller,
  idempotency: Idempotency,
  jobId: string,
): Promise<Claim> {
  const { tenantId } = caller.principal;
  const id = idempotencyRecordId(tenantId, idempotency.key);
  for (let round = 0; round < MAX_CLAIMS; round++) {
    const record = { _id: id, tenantId, jobId, requestHash: idempotency.requestHash, createdAt: new Date() };
    if (await deps.keys.claim(record)) {
      return {
        claimed: true,
        release: () =>
          deps.keys.release(id, jobId).catch((err: unknown) => {
            caller.log.error({ err, jobId }, "could not release the Idempotency-Key of a failed submit");
          }),
      };
    }
    const job = await awaitOriginal(deps, id, idempotency.requestHash);
    if (job) {
      caller.log.info({ jobId: job._id }, "replaying an idempotent request");
      return { claimed: false, job };
    }
  }
  throw busy();
}

/** The original request's job, or undefined once its key is free again. */
async function awaitOriginal(deps: IdempotencyDeps, id: string, hash: string): Promise<StoredJob | undefined> {
  const deadline = Date.now() + REPLAY_WAIT_MS;
  for (;;) {
    const record = await deps.keys.find(id);
    if (!record) return undefined;
    if (record.requestHash !== hash) throw idempotencyKeyReused();
    const job = await deps.reader.find(record.tenantId, record.jobId);
    if (job) return job;
    if (Date.now() - record.createdAt.getTime() > ABANDONED_AFTER_MS) {
      await deps.keys.release(id, record.jobId);
      return undefined;
    }
    if (Date.now() >= deadline) throw busy();
    await sleep(REPLAY_POLL_MS);
  }
}

const busy = () =>
  conflict("a request with this Idempotency-Key is still being processed; retry shortly", { "retry-after": "1" });
