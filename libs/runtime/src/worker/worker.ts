import { BUCKETS, CONSUMERS, PRIORITIES, type Priority, type Queue, STREAMS } from "@ai-jobs/contracts";
import type { JsMsg } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createCancellation } from "../cancellation.js";
import type { JobEventPublisher } from "../job-events.js";
import type { JobTimeouts } from "../job-timeouts.js";
import type { Logger } from "../logger.js";
import type { Messaging } from "../messaging.js";
import { ACK_WAIT_MS, type NatsContext } from "../nats.js";
import { InFlightJobs } from "./in-flight.js";
import { PriorityPicker } from "./priority-picker.js";
import { runJob } from "./run-job.js";
import { Signal } from "./signal.js";
import type { FailureHook, JobHandlers } from "./types.js";

export interface WorkerOptions {
  nats: NatsContext;
  messaging: Messaging;
  events: JobEventPublisher;
  queue: Queue;
  concurrency: number;
  handlers: JobHandlers;
  onFailure?: FailureHook;
  log: Logger;
  serviceName: string;
  instanceId: string;
  /** Picks a passed-over lower priority after this many higher picks. */
  agingLimit?: number;
  /** Long-poll length of each pull; bounds how long shutdown waits for idle pulls. */
  pullExpiresMs?: number;
  /**
   * The worker consumers' ack_wait (config `JOBS_ACK_WAIT_MS`, default ACK_WAIT_MS): held and running messages
   * get `working()` every third of it, so a long job is never redelivered while its worker lives.
   */
  ackWaitMs?: number;
  /** Per-type attempt limits (config `JOB_TIMEOUTS_MS`) overriding `JOB_TYPES[type].timeoutMs`. */
  timeouts?: JobTimeouts;
}

export interface Worker {
  start(): Promise<void>;
  /** Stops pulling, waits for jobs in flight (aborting them at `graceMs`), naks held messages. */
  stop(graceMs: number): Promise<void>;
  inFlight(): number;
}

/**
 * The worker loop of one queue: one long-poll per priority consumer while a slot is free, at most one message held
 * per priority, and a PriorityPicker choosing what runs next. Held and running messages are kept alive with
 * `working()`; one cancellation watch aborts the running jobs that get cancelled.
 */
export function createWorker(opts: WorkerOptions): Worker {
  const log = opts.log.child({ queue: opts.queue });
  const ackWaitMs = opts.ackWaitMs ?? ACK_WAIT_MS;
  const picker = new PriorityPicker(opts.agingLimit ?? 8);
  const held = new Map<Priority, JsMsg>();
  const running = new Set<Promise<void>>();
  /** The messages of the running jobs, for the heartbeat. */
  const runningMsgs = new Set<JsMsg>();
  const cancellation = createCancellation(opts.nats.js, log);
  const inFlight = new InFlightJobs();
  let unwatch: (() => Promise<void>) | undefined;
  const changed = new Signal();
  const shutdown = new AbortController();
  let stopping = false;
  let pullers: Promise<void>[] = [];
  let keepAlive: NodeJS.Timeout | undefined;
  let registration: NodeJS.Timeout | undefined;

  const free = () => opts.concurrency - running.size;

  const dispatch = () => {
    while (!stopping && free() > 0) {
      const priority = picker.pick(new Set(held.keys()));
      if (priority === undefined) return;
      const msg = held.get(priority);
      held.delete(priority);
      if (!msg) return;
      const job = runJob(
        {
          queue: opts.queue,
          handlers: opts.handlers,
          onFailure: opts.onFailure,
          messaging: opts.messaging,
          events: opts.events,
          log,
          instanceId: opts.instanceId,
          timeouts: opts.timeouts,
          cancellation,
          inFlight,
          shutdownSignal: shutdown.signal,
        },
        msg,
        priority,
      )
        .catch((err: unknown) => {
          // The outcome could not be published or settled (e.g. NATS is down): the message stays unacked and
          // JetStream redelivers it after ack_wait.
          log.error({ err, seq: msg.seq }, "job left unsettled");
        })
        .finally(() => {
          running.delete(job);
          runningMsgs.delete(msg);
          dispatch();
          changed.notify();
        });
      running.add(job);
      runningMsgs.add(msg);
      changed.notify();
    }
  };

  const pull = async (priority: Priority) => {
    const consumer = await opts.nats.js.consumers.get(STREAMS.jobs, CONSUMERS.worker(opts.queue, priority));
    while (!stopping) {
      if (held.has(priority) || free() <= 0) {
        await changed.wait(1_000);
        continue;
      }
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: opts.pullExpiresMs ?? 5_000 });
      } catch (err) {
        if (stopping) break;
        log.warn({ err, priority }, "pull failed; retrying");
        await changed.wait(1_000);
        continue;
      }
      if (!msg) continue;
      if (stopping) {
        msg.nak();
        break;
      }
      held.set(priority, msg);
      dispatch();
    }
  };

  const register = async () => {
    const kv = await new Kvm(opts.nats.js).open(BUCKETS.workers);
    const key = `${opts.serviceName}.${opts.instanceId}`;
    const put = () =>
      kv
        .put(
          key,
          JSON.stringify({
            queue: opts.queue,
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

  return {
    async start() {
      unregister = await register();
      // In place before the first pull: a job is either checked at its start or seen by this watch.
      unwatch = await cancellation.watch((jobId) => {
        if (inFlight.cancel(jobId)) log.info({ job_id: jobId }, "cancelling running job");
      });
      keepAlive = setInterval(
        () => {
          for (const msg of held.values()) msg.working();
          for (const msg of runningMsgs) msg.working();
        },
        Math.floor(ackWaitMs / 3),
      );
      pullers = PRIORITIES.map((p) => pull(p));
      log.info({ concurrency: opts.concurrency }, "worker started");
    },
    async stop(graceMs) {
      stopping = true;
      changed.notify();
      for (const msg of held.values()) msg.nak();
      held.clear();
      await Promise.all(pullers);
      const drained = Promise.all(running);
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), graceMs)),
      ]);
      if (timedOut) {
        log.warn({ inFlight: running.size }, "aborting jobs still running at shutdown");
        shutdown.abort(new Error("worker shutting down"));
        await drained;
      }
      clearInterval(keepAlive);
      await unwatch?.();
      await unregister?.();
      log.info("worker stopped");
    },
    inFlight: () => running.size,
  };
}
