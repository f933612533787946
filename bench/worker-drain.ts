/**
 * Worker drain rate: JOBS prefilled with no-op `material.ingest` commands, then one `createWorker` (concurrency 16)
 * drains them against a real nats-server. Only the worker runs while the clock runs: no MongoDB, no projector.
 * Events go through the same metrics-counting publisher the services use. Each run is followed by the raw JetStream
 * drain of bench/compare (consume + ack, same jobs, same concurrency) on the same server, so the ratio compares
 * like with like on a machine whose load varies. The CPU time per job of this process and of nats-server is printed
 * too: on a busy machine it varies much less than the rate.
 *
 * Run: npx tsx --conditions=source bench/worker-drain.ts
 *   DRAIN_JOBS=20000 DRAIN_CONCURRENCY=16 DRAIN_RUNS=3
 *   DRAIN_NO_ASYNC_TRACES=1   connect with nats.js `noAsyncTraces` (no stack captured per request)
 *   DRAIN_PROFILE=<dir>       CPU profile of the drain only (node:inspector): <dir>/drain-<run>.cpuprofile, and the
 *                             top self times printed
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import { type JobCommand, STREAMS, SUBJECTS } from "@ai-jobs/contracts";
import {
  createIdGenerator,
  createJetStreamPublisher,
  createJobEventPublisher,
  createLogger,
  createMessaging,
  createMetrics,
  createWorker,
  defineJob,
  type NatsContext,
  observeDeadLetters,
  observeJobEvents,
  provision,
  startTelemetry,
} from "@ai-jobs/runtime";
import { startNats } from "@ai-jobs/testkit";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { dispatchRawJetStream } from "./compare/dispatch-raw.js";

const jobs = Number(process.env.DRAIN_JOBS ?? 20_000);
const concurrency = Number(process.env.DRAIN_CONCURRENCY ?? 16);
const runs = Number(process.env.DRAIN_RUNS ?? 3);
const profileDir = process.env.DRAIN_PROFILE;

const log = createLogger({ service: "drain", instanceId: "d", level: "warn" });
const server = await startNats();
const nc = await connect({ servers: server.url, noAsyncTraces: process.env.DRAIN_NO_ASYNC_TRACES === "1" });
const nats: NatsContext = {
  nc,
  js: jetstream(nc),
  jsm: await jetstreamManager(nc),
  publisher: createJetStreamPublisher(nc),
  connected: () => true,
};
await provision(nats, { jobsMaxMsgs: 1_000_000, jobsMaxBytes: 1024 ** 3 });
const metrics = createMetrics({ service: "drain", defaultMetrics: false });
const messaging = observeDeadLetters(
  createMessaging(
    nats.publisher,
    startTelemetry({ serviceName: "drain", serviceVersion: "0", instanceId: "d" }).tracer,
  ),
  metrics,
);
const events = observeJobEvents(createJobEventPublisher(messaging), metrics);
const newId = createIdGenerator();

async function prefill(): Promise<void> {
  const subject = SUBJECTS.job("ingest", "normal", "bench");
  for (let i = 0; i < jobs; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, jobs - i) }, () => {
        const jobId = newId();
        const command: JobCommand = {
          jobId,
          tenantId: "bench",
          userId: "u",
          type: "material.ingest",
          queue: "ingest",
          priority: "normal",
          payload: { planId: "P", documentId: jobId, fileId: "F", filename: "a.md", contentType: "text/markdown" },
          createdAt: new Date().toISOString(),
        };
        return nats.js.publish(subject, JSON.stringify(command), { msgID: jobId });
      }),
    );
  }
}

/** The nats-server process listening on `port` (its command line names the port). */
function serverPid(port: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = (() => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      } catch {
        return [];
      }
    })();
    if (cmd[0]?.endsWith("nats-server") && cmd[cmd.indexOf("-p") + 1] === String(port)) return Number(entry);
  }
  return undefined;
}

/** utime + stime of a process, in microseconds (clock ticks of 10 ms). */
function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const natsPid = serverPid(server.port);

interface Drained {
  rate: number;
  /** CPU µs per job: this process, nats-server. */
  cpu: { worker: number; server: number };
}

async function drain(run: number): Promise<Drained> {
  await nats.jsm.streams.purge(STREAMS.jobs);
  await nats.jsm.streams.purge(STREAMS.events);
  await prefill();
  let started = 0;
  const worker = createWorker({
    nats,
    messaging,
    events,
    jobs: [
      defineJob({
        type: "material.ingest",
        handler: async ({ payload }) => {
          started++;
          return { document_id: payload.documentId, chunk_count: 0 };
        },
      }),
    ],
    concurrency,
    log,
    serviceName: "drain",
    instanceId: `drain-${run}`,
    pullExpiresMs: 1_000,
  });
  const session = profileDir ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const cpu0 = process.cpuUsage();
  const server0 = cpuMicros(natsPid);
  const t0 = performance.now();
  await worker.start();
  while (started < jobs || worker.inFlight() > 0) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpu = { worker: (used.user + used.system) / jobs, server: (cpuMicros(natsPid) - server0) / jobs };
  if (session && profileDir) {
    const { profile } = await session.post("Profiler.stop");
    mkdirSync(profileDir, { recursive: true });
    const file = path.join(profileDir, `drain-${run}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    printTop(profile, file);
    session.disconnect();
  }
  await worker.stop(5_000);
  const left = (await nats.jsm.streams.info(STREAMS.jobs)).state.messages;
  if (left !== 0) throw new Error(`${left} commands left in JOBS after the drain`);
  return { rate: jobs / seconds, cpu };
}

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples?: number[];
  timeDeltas?: number[];
}

/** The 25 functions with the most self time. */
function printTop(profile: Profile, file: string): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  (profile.samples ?? []).forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas?.[i] ?? 0;
    total += us;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/wt-[^/]+\//, "");
    const key = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  console.log(`profile ${file} (${(total / 1e6).toFixed(2)} s sampled), top self times:`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(
      `  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`,
    );
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

try {
  const rates: number[] = [];
  const raw: number[] = [];
  const workerCpu: number[] = [];
  const serverCpu: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const { rate, cpu } = await drain(run);
    rates.push(rate);
    workerCpu.push(cpu.worker);
    serverCpu.push(cpu.server);
    const ceiling = (
      await dispatchRawJetStream(server.url, { jobs, concurrency, window: 500, timeoutMs: 600_000, prefill: true })
    ).drainPerS;
    raw.push(ceiling);
    console.log(
      `run ${run}: ${jobs} jobs drained at ${rate.toFixed(0)} jobs/s, CPU per job ${cpu.worker.toFixed(0)} µs here + ${cpu.server.toFixed(0)} µs nats-server; raw JetStream ${ceiling.toFixed(0)} jobs/s (${(rate / ceiling).toFixed(2)}×)`,
    );
  }
  console.log(
    `median ${median(rates).toFixed(0)} jobs/s, CPU per job ${median(workerCpu).toFixed(0)} µs here + ${median(serverCpu).toFixed(0)} µs nats-server; raw JetStream ${median(raw).toFixed(0)} jobs/s (concurrency ${concurrency})`,
  );
} finally {
  await nc.drain().catch(() => undefined);
  await server.cleanup();
}
