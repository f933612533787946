import type { JobEventPublisher, JobOutbox, Logger, Messaging, NatsContext } from "@ai-jobs/runtime";
import { JetStreamApiError } from "@nats-io/jetstream";
import type { ReconcileClaimRepository } from "../data/reconcile-claims.js";
import { sleep } from "../sleep.js";
import { dispatchHeld } from "./dispatch-job.js";

export interface ReconcilerDeps {
  nats: Pick<NatsContext, "connected">;
  messaging: Messaging;
  events: JobEventPublisher;
  outbox: JobOutbox;
  /** The replicas' claims on held dispatches (`createReconcileClaimRepository`). */
  claims: ReconcileClaimRepository;
  log: Logger;
  intervalMs: number;
  /** Entries younger than this are left to whoever held them, which may still be publishing them. */
  graceMs: number;
  batchSize: number;
  /** How long a replica's claim on a job keeps the others off it (the claim's window). */
  leaseMs: number;
  now?: () => Date;
}

export interface RoundResult {
  /** Dispatches (outbox ids) this replica published and released. */
  dispatched: string[];
  skipped?: "nats-disconnected";
}

export interface Reconciler {
  start(): void;
  /** One round: find held dispatches, claim each, publish it, release it. */
  runOnce(): Promise<RoundResult>;
  /** Finishes the record in hand, then stops. */
  stop(): Promise<void>;
}

/** Claims older than this many windows belong to replicas that died holding them. */
const STALE_CLAIM_WINDOWS = 10;

/**
 * The outbox side of "a 202 is never lost": a job that NATS could not take when it was accepted (an outage, a
 * timeout, a gateway that died between its two publishes and left the outbox entry written first... see
 * `acceptJob`) waits in `job_outbox`. Every `intervalMs` this finds entries older than `graceMs` and publishes each
 * one as its submit would have, with the same message ids, then releases it. The outbox is empty while NATS is
 * healthy, so a round costs one small query.
 *
 * Several replicas run it at once. Each entry is first claimed for a lease window (`data/reconcile-claims.ts`), so two replicas
 * rarely publish the same entry; when they do (at a window's edge), JetStream drops the second publish as a
 * duplicate. A round is skipped while NATS is disconnected, and stops at the first publish that fails for lack of
 * NATS. An entry JetStream refuses (JOBS full) stays and is tried again in a later round: its client already has
 * a 202.
 */
export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const log = deps.log.child({ component: "reconciler" });
  const clock = deps.now ?? (() => new Date());
  const stopped = new AbortController();
  let loop: Promise<void> | undefined;

  const release = (claim: string) =>
    deps.claims.release(claim).catch((err: unknown) => {
      log.warn({ err, claim }, "could not release a reconcile claim; it ends with its window");
    });

  const runOnce = async (): Promise<RoundResult> => {
    const dispatched: string[] = [];
    if (!deps.nats.connected()) {
      log.debug("NATS disconnected; reconcile round skipped");
      return { dispatched, skipped: "nats-disconnected" };
    }
    const now = clock();
    const candidates = await deps.outbox.due(new Date(now.getTime() - deps.graceMs), deps.batchSize);
    for (const { _id: id } of candidates) {
      if (stopped.signal.aborted) break;
      const claim = await deps.claims.claim(id, clock(), deps.leaseMs);
      // Another replica holds it.
      if (claim === undefined) continue;
      // Read again under the claim: another replica may have published and released it since the query.
      const entry = await deps.outbox.get(id);
      if (!entry) {
        await release(claim);
        continue;
      }
      let published: "command" | "schedule";
      try {
        published = await dispatchHeld(deps, entry, clock());
      } catch (err) {
        await release(claim);
        if (err instanceof JetStreamApiError) {
          log.warn(
            { err, jobId: entry.jobId, queue: entry.spec.queue },
            "JetStream refused a held job; retrying later",
          );
          continue;
        }
        log.warn({ err, jobId: entry.jobId }, "NATS unavailable; reconcile round ended early");
        break;
      }
      await deps.outbox.release(id);
      await release(claim);
      dispatched.push(id);
      log.info({ jobId: entry.jobId, tenantId: entry.tenantId, published }, "held job published");
    }
    await deps.claims.purgeStale(new Date(now.getTime() - STALE_CLAIM_WINDOWS * deps.leaseMs));
    return { dispatched };
  };

  const run = async () => {
    while (!stopped.signal.aborted) {
      try {
        await runOnce();
      } catch (err) {
        log.warn({ err }, "reconcile round failed");
      }
      await sleep(deps.intervalMs, stopped.signal);
    }
  };

  return {
    start() {
      loop ??= run();
      log.info({ intervalMs: deps.intervalMs, graceMs: deps.graceMs }, "reconciler started");
    },
    runOnce,
    async stop() {
      stopped.abort();
      await loop;
      log.info("reconciler stopped");
    },
  };
}
