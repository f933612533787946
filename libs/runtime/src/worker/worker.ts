import { BUCKETS, CONSUMERS, PRIORITIES, type Priority, STREAMS } from "@ai-jobs/contracts";
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { type CancelWatch, createCancellation } from "../cancellation.js";
import type { JobEventPublisher } from "../job-events.js";
import type { JobTimeouts } from "../job-timeouts.js";
import type { Logger } from "../logger.js";
import type { Messaging } from "../messaging.js";
import { type NatsContext, WORKER_ACK_WAIT_MS } from "../nats.js";
import { coalesceEvents } from "./coalesced-events.js";
import { InFlightJobs } from "./in-flight.js";
import { Intake } from "./intake.js";
import { type AnyJobDefinition, jobCatalog } from "./job-definition.js";
import { PriorityPicker } from "./priority-picker.js";
import { type RunJobDeps, runJob } from "./run-job.js";

export interface WorkerOptions {
  nats: NatsContext;
  messaging: Messaging;
  events: JobEventPublisher;
  /** The job types this worker runs; their queue (one for all, from the registry) is the worker's. */
  jobs: readonly AnyJobDefinition[];
  concurrency: number;
  log: Logger;
  serviceName: string;
  instanceId: string;
  /** Picks a passed-over lower priority after this many higher picks. */
  agingLimit?: number;
  /** Long-poll length of an idle priority's pull; bounds how long shutdown waits for it. */
  pullExpiresMs?: number;
  /**
   * The worker consumers' ack_wait (config `JOBS_ACK_WAIT_MS`, default WORKER_ACK_WAIT_MS): held and running messages
   * get `working()` every `heartbeatIntervalMs(ackWaitMs)`, so a long job is never redelivered while its worker lives.
   */
  ackWaitMs?: number;
  /** Per-type attempt limits (config `JOB_TIMEOUTS_MS`) overriding `JOB_TYPES[type].timeoutMs`. */
  timeouts?: JobTimeouts;
}

/**
 * How often held and running messages get `working()`: every second, or every third of ack_wait when that is shorter.
 * Much more often than ack_wait requires, so that a live worker whose event loop stalls (a long GC pause, a starved
 * CPU, a handler blocking it) for up to ack_wait minus one interval keeps its jobs; a heartbeat is a few bytes.
 */
export const heartbeatIntervalMs = (ackWaitMs: number): number => Math.min(1_000, Math.floor(ackWaitMs / 3));

export interface Worker {
  start(): Promise<void>;
  /** Stops pulling, waits for jobs in flight (aborting them at `graceMs`), naks held messages. */
  stop(graceMs: number): Promise<void>;
  inFlight(): number;
}

/**
 * The worker loop of one queue: an Intake pulls each priority's messages in batches sized to the free slots, a
 * PriorityPicker chooses what runs next among the held messages, and held and running messages are kept alive with
 * `working()`. One cancellation watch keeps the flags for the check before each job and aborts the running jobs that
 * get cancelled.
 */
export function createWorker(opts: WorkerOptions): Worker {
  const jobs = jobCatalog(opts.jobs);
  const { queue } = jobs;
  const log = opts.log.child({ queue });
  const ackWaitMs = opts.ackWaitMs ?? WORKER_ACK_WAIT_MS;
  const picker = new PriorityPicker(opts.agingLimit ?? 8);
  const running = new Set<Promise<void>>();
  /** The messages of the running jobs, for the heartbeat. */
  const runningMsgs = new Set<JsMsg>();
  const cancellation = createCancellation(opts.nats.js, log);
  const inFlight = new InFlightJobs();
  let cancelWatch: CancelWatch | undefined;
  let intake: Intake | undefined;
  const shutdown = new AbortController();
  let stopping = false;
  let keepAlive: NodeJS.Timeout | undefined;
  let registration: NodeJS.Timeout | undefined;
  const runDeps: RunJobDeps = {
    queue,
    jobs,
    messaging: opts.messaging,
    events: coalesceEvents(opts.events),
    log,
    instanceId: opts.instanceId,
    timeouts: opts.timeouts,
    isCancelled: (jobId) => cancelWatch?.isRequested(jobId) ?? false,
    inFlight,
    shutdownSignal: shutdown.signal,
  };

  const run = (msg: JsMsg, priority: Priority) => {
    const job: Promise<void> = runJob(runDeps, msg, priority).then(
      () => finished(job, msg),
      (err: unknown) => {
        // The outcome could not be published or settled (e.g. NATS is down): the message stays unacked and
        // JetStream redelivers it after ack_wait.
        log.error({ err, seq: msg.seq }, "job left unsettled");
        finished(job, msg);
      },
    );
    running.add(job);
    runningMsgs.add(msg);
  };
  const finished = (job: Promise<void>, msg: JsMsg) => {
    running.delete(job);
    runningMsgs.delete(msg);
    dispatch();
  };

  /** Starts held messages while slots are free, then lets the intake pull for whatever credit is left. */
  const dispatch = () => {
    if (stopping || !intake) return;
    while (running.size < opts.concurrency) {
      const priority = picker.pick(intake.waiting);
      if (priority === undefined) break;
      const msg = intake.take(priority);
      if (!msg) break;
      run(msg, priority);
    }
    intake.pump();
  };

  const register = async () => {
    const kv = await new Kvm(opts.nats.js).open(BUCKETS.workers);
    const key = `${opts.serviceName}.${opts.instanceId}`;
    const put = () =>
      kv
        .put(
          key,
          JSON.stringify({
            queue,
            concurrency: opts.concurrency,
            inFlight: running.size,
            at: new Date().toISOString(),
          }),
        )
        .catch((err: unknown) => log.warn({ err }, "worker heartbeat failed"));
    await put();
    registration = setInterval(put, 5_000);
    return async () => {
      clearInterval(registration);
      await kv.delete(key).catch(() => undefined);
    };
  };
  let unregister: (() => Promise<void>) | undefined;

  const consumers = async () => {
    const entries = await Promise.all(
      PRIORITIES.map(
        async (p) => [p, await opts.nats.js.consumers.get(STREAMS.jobs, CONSUMERS.worker(queue, p))] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<Priority, Consumer>;
  };

  return {
    async start() {
      unregister = await register();
      // Every flag loaded before the first pull: a job is either flagged when it is checked or seen by this watch.
      cancelWatch = await cancellation.watch((jobId) => {
        if (inFlight.cancel(jobId)) log.info({ job_id: jobId }, "cancelling running job");
      });
      intake = new Intake({
        consumers: await consumers(),
        concurrency: opts.concurrency,
        running: () => running.size,
        changed: dispatch,
        idleExpiresMs: opts.pullExpiresMs ?? 5_000,
        log,
      });
      const held = intake;
      keepAlive = setInterval(() => {
        for (const msg of held.heldMessages()) msg.working();
        for (const msg of runningMsgs) msg.working();
      }, heartbeatIntervalMs(ackWaitMs));
      dispatch();
      log.info({ concurrency: opts.concurrency }, "worker started");
    },
    async stop(graceMs) {
      stopping = true;
      // Held messages go back at once; pulls still out are waited for (what they bring is handed back too) before
      // any job is aborted, so a job handed back at the deadline cannot land in one of this worker's own pulls.
      await intake?.stop();
      const drained = Promise.all(running);
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs)),
      ]);
      if (timedOut) {
        log.warn({ inFlight: running.size }, "aborting jobs still running at shutdown");
        const reason = new Error("worker shutting down");
        shutdown.abort(reason);
        inFlight.abortAll(reason);
        await drained;
      }
      clearInterval(keepAlive);
      await cancelWatch?.stop();
      await unregister?.();
      log.info("worker stopped");
    },
    inFlight: () => running.size,
  };
}
