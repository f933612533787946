import type { Collections, JobEventPublisher, Logger, Messaging, NatsContext } from "@ai-jobs/runtime";
import { JetStreamApiError } from "@nats-io/jetstream";
import type { Collection } from "mongodb";
import { sleep } from "../sleep.js";
import { claimJob, purgeStaleClaims, type ReconcileClaim, releaseClaim } from "./claims.js";
import { dispatchJob } from "./dispatch-job.js";

export interface ReconcilerDeps {
  nats: Pick<NatsContext, "connected">;
  messaging: Messaging;
  events: JobEventPublisher;
  collections: Pick<Collections, "jobs">;
  /** `claimsOf(db)`: the replicas' claims on undispatched jobs. */
  claims: Collection<ReconcileClaim>;
  log: Logger;
  intervalMs: number;
  /** Records younger than this are left to the gateway, which may still be publishing them. */
  graceMs: number;
  batchSize: number;
  /** How long a replica's claim on a job keeps the others off it (the claim's window). */
  leaseMs: number;
  now?: () => Date;
}

export interface RoundResult {
  /** Records this replica published and marked dispatched. */
  dispatched: string[];
  skipped?: "nats-disconnected";
}

export interface Reconciler {
  start(): void;
  /** One round: find undispatched records, claim each, publish it, mark it dispatched. */
  runOnce(): Promise<RoundResult>;
  /** Finishes the record in hand, then stops. */
  stop(): Promise<void>;
}

const UNDISPATCHED = { status: "queued", dispatchedAt: null } as const;
/** Claims older than this many windows belong to replicas that died holding them. */
const STALE_CLAIM_WINDOWS = 10;

/**
 * The outbox side of guarantee 1 (DESIGN.md): a job the gateway stored but could not publish (NATS down, or the
 * gateway killed between the two steps) stays `queued` with `dispatchedAt: null`. Every `intervalMs` this finds such
 * records older than `graceMs`, and publishes each one as the gateway would have, then sets `dispatchedAt`.
 *
 * Several replicas run it at once. Each record is first claimed for a lease window (`claims.ts`), so two replicas
 * rarely publish the same record; when they do (at a window's edge), JetStream drops the second publish as a
 * duplicate. A round is skipped while NATS is disconnected, and stops at the first publish that fails for lack of
 * NATS. A record JetStream refuses (JOBS full) stays undispatched and is tried again in a later round: its client
 * already has a 202.
 */
export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const log = deps.log.child({ component: "reconciler" });
  const clock = deps.now ?? (() => new Date());
  const stopped = new AbortController();
  const { jobs } = deps.collections;
  let loop: Promise<void> | undefined;

  const release = (claim: string) =>
    releaseClaim(deps.claims, claim).catch((err: unknown) => {
      log.warn({ err, claim }, "could not release a reconcile claim; it ends with its window");
    });

  const runOnce = async (): Promise<RoundResult> => {
    const dispatched: string[] = [];
    if (!deps.nats.connected()) {
      log.debug("NATS disconnected; reconcile round skipped");
      return { dispatched, skipped: "nats-disconnected" };
    }
    const now = clock();
    const candidates = await jobs
      .find(
        { ...UNDISPATCHED, createdAt: { $lt: new Date(now.getTime() - deps.graceMs) } },
        { sort: { createdAt: 1 }, limit: deps.batchSize, projection: { _id: 1 } },
      )
      .toArray();
    for (const { _id: id } of candidates) {
      if (stopped.signal.aborted) break;
      const claim = await claimJob(deps.claims, id, clock(), deps.leaseMs);
      // Another replica holds it.
      if (claim === undefined) continue;
      // Read again under the claim: another replica may have dispatched it since the query.
      const record = await jobs.findOne({ _id: id, ...UNDISPATCHED });
      if (!record) {
        await release(claim);
        continue;
      }
      let published: "command" | "schedule";
      try {
        published = await dispatchJob(deps, record, clock());
      } catch (err) {
        await release(claim);
        if (err instanceof JetStreamApiError) {
          log.warn({ err, jobId: id, queue: record.queue }, "JetStream refused an undispatched job; retrying later");
          continue;
        }
        log.warn({ err, jobId: id }, "NATS unavailable; reconcile round ended early");
        break;
      }
      await jobs.updateOne({ _id: id, dispatchedAt: null }, { $set: { dispatchedAt: clock() } });
      await release(claim);
      dispatched.push(id);
      log.info({ jobId: id, tenantId: record.tenantId, published }, "undispatched job published");
    }
    await purgeStaleClaims(deps.claims, new Date(now.getTime() - STALE_CLAIM_WINDOWS * deps.leaseMs));
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
