/**
 * The ceiling: a raw JetStream work queue with no platform code. nats.js publishes to a work-queue stream, one
 * durable pull consumer is read with `consume()`, a no-op handler runs with at most `concurrency` in flight, and
 * the message is acked. Terminal = ack sent (JetStream stores nothing else).
 */
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { JobClock, windowed } from "./timing.js";
import type { DispatchOptions, DispatchRun } from "./types.js";

export async function dispatchRawJetStream(natsUrl: string, opts: DispatchOptions): Promise<DispatchRun> {
  const nc = await connect({ servers: natsUrl });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const stream = `RAW_${Date.now()}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], retention: RetentionPolicy.Workqueue });
  await jsm.consumers.add(stream, { durable_name: "worker", ack_policy: AckPolicy.Explicit, max_ack_pending: 10_000 });
  const clock = new JobClock();
  try {
    const consumer = await js.consumers.get(stream, "worker");
    let running = 0;
    const slotFreed: Array<() => void> = [];
    const startWorker = async () => {
      const messages = await consumer.consume({ max_messages: Math.max(opts.concurrency * 2, 64) });
      const consuming = (async () => {
        for await (const msg of messages) {
          while (running >= opts.concurrency) await new Promise<void>((r) => slotFreed.push(r));
          running++;
          void (async () => {
            const id = msg.string();
            clock.start(id);
            await Promise.resolve(); // the no-op job
            msg.ack();
            clock.finish(id);
            running--;
            slotFreed.shift()?.();
          })();
        }
      })();
      return { messages, consuming };
    };
    const worker = opts.prefill ? undefined : await startWorker();

    const t0 = performance.now();
    await windowed(opts.jobs, opts.window, async (i) => {
      const id = `j${i}`;
      clock.submit(id);
      await js.publish(`${stream}.jobs`, id, { msgID: id });
    });
    const enqueueS = (performance.now() - t0) / 1000;
    const workerAt = performance.now();
    const running_ = worker ?? (await startWorker());
    await clock.finished(opts.jobs, opts.timeoutMs, "raw JetStream");
    await running_.messages.close();
    await running_.consuming;
    return summarize(clock, opts, enqueueS, clock.lastTerminal(), workerAt);
  } finally {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  }
}

/**
 * The common row: the drain rate is over first submit (prefilled: the worker's start, `workerAt`) → the worker done
 * with the last job (`drainedAt`). A prefilled run has no latencies (they would be the enqueue time).
 */
export function summarize(
  clock: JobClock,
  opts: DispatchOptions,
  enqueueS: number,
  drainedAt: number,
  workerAt: number,
): DispatchRun {
  const none = { p50: Number.NaN, p99: Number.NaN };
  const start = opts.prefill ? none : clock.latency(clock.started);
  const end = opts.prefill ? none : clock.latency(clock.terminal);
  const drainS = (drainedAt - (opts.prefill ? workerAt : clock.firstSubmit())) / 1000;
  return {
    jobs: opts.jobs,
    concurrency: opts.concurrency,
    enqueuePerS: opts.jobs / enqueueS,
    drainPerS: opts.jobs / drainS,
    startP50: start.p50,
    startP99: start.p99,
    terminalP50: end.p50,
    terminalP99: end.p99,
  };
}
