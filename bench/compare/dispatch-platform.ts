/**
 * This platform through its own runtime, as the gateway and the scheduler submit: `acceptJob` (the `queued` event,
 * which carries the job, and the command, pipelined) for a no-op `material.ingest` run by `createWorker` in this
 * process. The job's state of record is JetStream, so "terminal" is when `GET /api/ai/jobs/{id}/` on a real gateway
 * process first answers the job as succeeded (only with `readTerminal`: a poller per finished job). The MongoDB
 * projection is the events service, its own process: with `projectDuring` it runs through the whole run (on the same
 * two cores, competing for them, as a one-machine deployment would); without, it is started once the worker is done
 * and projects the whole backlog, and `storedAfterS` is how long that took. A fresh nats-server and database per run,
 * so no run inherits another's data.
 */
import { newJobRecord, STREAMS } from "@ai-jobs/contracts";
import { acceptJob, closeService, createIdGenerator, createJobOutbox, type ServiceContext } from "@ai-jobs/runtime";
import { type MongoServer, mongoBackendLabel, type NatsServer, startMongo, startNats } from "@ai-jobs/testkit";
import { type ServiceName, type Services, startServices } from "../../test/support/stack.js";
import { summarize } from "./dispatch-raw.js";
import { bootBenchContext, noopWorker, until } from "./platform-context.js";
import { readTerminalAt } from "./read-terminal.js";
import { JobClock, windowed } from "./timing.js";
import type { DispatchOptions, DispatchRun } from "./types.js";

const TENANT = "acme";

export interface PlatformRun extends DispatchRun {
  /**
   * The MongoDB projection: the worker done → every record and event stored, with the events service running all
   * along; or, started after the run, the time it took to project the whole backlog.
   */
  storedAfterS: number;
  store: string;
  /** Submits the gateway shed with a 503 and the client tried again after Retry-After (the HTTP row). */
  shed?: number;
}

export interface PlatformHooks {
  /** Servers to run on instead of fresh ones (a profiler watching them); they are left running. */
  servers?: { nats: NatsServer; mongo: MongoServer };
  /** Called once the service processes are up, before anything is submitted. */
  onServices?(services: Services): void;
}

export async function dispatchPlatform(
  opts: DispatchOptions & { readTerminal: boolean; projectDuring: boolean },
  hooks: PlatformHooks = {},
): Promise<PlatformRun> {
  const [nats, mongo] = hooks.servers
    ? [hooks.servers.nats, hooks.servers.mongo]
    : await Promise.all([startNats(), startMongo()]);
  const env = { LOG_LEVEL: "warn" };
  const during: ServiceName[] = [
    ...(opts.projectDuring ? (["events"] as const) : []),
    ...(opts.readTerminal ? (["gateway"] as const) : []),
  ];
  const services = await startServices(nats, mongo, during, env);
  let after: Services | undefined;
  hooks.onServices?.(services);
  const ctx = await bootBenchContext(nats.url, mongo.url, mongo.dbName);
  const clock = new JobClock();
  const reads: Promise<void>[] = [];
  const worker = noopWorker(ctx, "ingest", opts.concurrency, {
    onStart: (_type, key) => clock.start(key),
    onDone: (_type, key) => {
      if (!opts.readTerminal) return;
      reads.push(readTerminalAt(services.gatewayUrl, key, opts.timeoutMs).then((at) => clock.finish(key, at)));
    },
  });
  const newId = createIdGenerator();
  const accept = {
    messaging: ctx.messaging,
    events: ctx.events,
    nats: ctx.nats,
    outbox: createJobOutbox(ctx.mongo.collections.jobOutbox),
    log: ctx.log,
  };
  try {
    if (!opts.prefill) await worker.start();
    const t0 = performance.now();
    await windowed(opts.jobs, opts.window, async () => {
      const jobId = newId();
      const record = newJobRecord({
        jobId,
        tenantId: TENANT,
        userId: "u",
        type: "material.ingest",
        priority: "normal",
        payload: { planId: "P", documentId: jobId, fileId: "F", filename: "a.md", contentType: "text/markdown" },
        now: new Date(),
      });
      clock.submit(jobId);
      const accepted = await acceptJob(accept, record);
      if (accepted !== "published") throw new Error(`job ${jobId} was ${accepted}, not published`);
    });
    const enqueueS = (performance.now() - t0) / 1000;
    const workerAt = performance.now();
    if (opts.prefill) await worker.start();
    await until(() => clock.started.size >= opts.jobs, opts.timeoutMs, "every platform job to start");
    const drainedAt = await until(() => worker.inFlight() === 0, opts.timeoutMs, "the platform worker to finish");
    await Promise.all(reads);
    const projectFrom = performance.now();
    if (!opts.projectDuring) after = await startServices(nats, mongo, ["events"], env);
    await projected(ctx, opts.timeoutMs);
    const storedAfterS = (performance.now() - (opts.projectDuring ? drainedAt : projectFrom)) / 1000;
    const run = summarize(clock, { ...opts, prefill: opts.prefill ?? false }, enqueueS, drainedAt, workerAt);
    return { ...run, storedAfterS, store: await mongoBackendLabel() };
  } finally {
    await worker.stop(5_000);
    await closeService(ctx);
    await services.stop();
    await after?.stop();
    if (!hooks.servers) await Promise.all([nats.cleanup(), mongo.cleanup()]);
  }
}

/** Waits until the events projector has acked everything in JOB_EVENTS: every record and event is stored. */
export async function projected(ctx: ServiceContext, timeoutMs: number): Promise<void> {
  const { state } = await ctx.nats.jsm.streams.info(STREAMS.events);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const consumers = await ctx.nats.jsm.consumers.info(STREAMS.events, "events_projector").catch(() => undefined);
    if (consumers && consumers.ack_floor.stream_seq >= state.last_seq && consumers.num_ack_pending === 0) return;
    if (performance.now() > deadline) throw new Error("timed out waiting for the projection");
    await new Promise((r) => setTimeout(r, 50));
  }
}
