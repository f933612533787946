/**
 * SSE fan-out of one events process: N concurrent clients in all-jobs mode (`?all=1`, every client gets every event
 * of its tenant) on one process; events are published straight to JOB_EVENTS with the publish time in their message.
 * Prints, per N: the delivery latency p50/p99 (publish → the client has read the frame; publisher and clients share
 * this process's clock) and the events process's RSS growth per connection (/proc/<pid>/status VmRSS, before and
 * after the clients connect; it also counts garbage not yet collected), then, in a second fresh process, what it keeps
 * per connection: its `process.memoryUsage()` after a full GC before and after N idle clients connect, read over its
 * inspector. BENCH_SSE_HEAP_SNAPSHOTS=<dir> also writes that process's heap snapshots at 0 and N clients.
 * Run: npm run bench -- sse   (BENCH_SSE_CLIENTS="1000,5000,10000", BENCH_SSE_EVENTS=30, BENCH_SSE_INTERVAL_MS=100;
 * BENCH_SSE_SETTLE_MS=1000, how long the events process is left alone before a memory reading, twice that for the
 * first: the CI smoke run, which asserts no reading, shortens it)
 * Needs `ulimit -n` above N + a few hundred in both this process and the events process (they inherit it).
 */
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { freePort, repoRoot, serviceEntry, startMongo, startNats, startServiceProcess } from "@ai-jobs/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { connectInspector, type MemoryUsage } from "./inspector.js";
import { fmt, median, percentile } from "./stats.js";

const counts = (process.env.BENCH_SSE_CLIENTS ?? "1000,5000,10000").split(",").map(Number);
const eventsPerRun = Number(process.env.BENCH_SSE_EVENTS ?? 30);
const intervalMs = Number(process.env.BENCH_SSE_INTERVAL_MS ?? 100);
const settleMs = Number(process.env.BENCH_SSE_SETTLE_MS ?? 1_000);
const TOKEN = "bench-token";
const JOBS = 300;
const snapshots = process.env.BENCH_SSE_HEAP_SNAPSHOTS;

const rssKiB = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  return Number(line?.[1] ?? Number.NaN);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
/**
 * A fresh events process per run, so that each RSS reading starts from the same idle baseline; with `inspect`, with
 * an inspector session for the GC and memory readings (and heap snapshots), the debugger staying off.
 */
async function startEvents(inspect: boolean) {
  const inspectorPort = await freePort();
  const proc = await startServiceProcess("events", {
    nats,
    mongo,
    entry: "built-if-present",
    env: {
      AUTH_TOKENS: `${TOKEN}:acme:admin`,
      LOG_LEVEL: "warn",
      ...(inspect
        ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --inspect=127.0.0.1:${inspectorPort}`.trim() }
        : {}),
    },
  });
  return { proc, port: proc.port, inspectorPort };
}
/** KiB per connection of the growth of one `process.memoryUsage()` field. */
const perConnection = (before: MemoryUsage, after: MemoryUsage, field: keyof MemoryUsage, n: number) =>
  `${((after[field] - before[field]) / 1024 / n).toFixed(1)} KiB`;
const mib = (bytes: number) => (bytes / 1024 ** 2).toFixed(1);
const nc = await connect({ servers: nats.url });
const js = jetstream(nc);
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
let serial = 0;

interface Client {
  req: http.ClientRequest;
  latencies: number[];
}

/** One SSE client: records, for every frame carrying a publish time, how long it took to arrive. */
function openClient(port: number, latencies: number[]): Promise<Client> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: "127.0.0.1",
        port,
        path: "/api/ai/jobs/stream/?all=1",
        agent,
        headers: { authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
        res.setEncoding("utf8");
        let tail = "";
        res.on("data", (chunk: string) => {
          const now = performance.now();
          const text = tail + chunk;
          for (const m of text.matchAll(/"message":"t=([\d.]+)"/g)) latencies.push(now - Number(m[1]));
          const cut = text.lastIndexOf("\n\n");
          tail = cut === -1 ? text : text.slice(cut + 2);
        });
        res.on("error", () => undefined);
        resolve({ req, latencies });
      },
    );
    req.on("error", reject);
  });
}

/** N clients, connected 500 at a time. */
async function openClients(port: number, n: number, latencies: number[]): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < n; i += 500) {
    clients.push(
      ...(await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => openClient(port, latencies)))),
    );
  }
  return clients;
}

/**
 * What the events process keeps per connection: `process.memoryUsage()` after a full GC with no client, with N
 * (connected and idle) and after they left, in a process of its own so that the forced GCs do not move the RSS figures
 * of the run above. A first round of 100 clients that connect and leave warms it up, so that what is made once (the
 * live hub, compiled code) is not counted per connection.
 */
async function retained(n: number): Promise<void> {
  const events = await startEvents(true);
  const inspector = await connectInspector(events.inspectorPort);
  try {
    for (const c of await openClients(events.port, 100, [])) c.req.destroy();
    await sleep(2 * settleMs);
    const idle = await inspector.memoryAfterGc();
    if (snapshots) await inspector.heapSnapshot(path.join(snapshots, `events-${n}-idle.heapsnapshot`));
    const clients = await openClients(events.port, n, []);
    await sleep(settleMs);
    const connected = await inspector.memoryAfterGc();
    if (snapshots) await inspector.heapSnapshot(path.join(snapshots, `events-${n}-connected.heapsnapshot`));
    for (const c of clients) c.req.destroy();
    await sleep(settleMs);
    const left = await inspector.memoryAfterGc();
    const field = (name: keyof MemoryUsage) =>
      `${name} ${mib(idle[name])} → ${mib(connected[name])} MiB (${perConnection(idle, connected, name, n)}/connection)`;
    console.log(
      `${n} clients, retained heap per connection after GC (connected and idle, inspector): ${field("heapUsed")}, ${field("external")}, ${field("arrayBuffers")}, ${field("rss")}; after they left: heapUsed ${mib(left.heapUsed)} MiB, RSS ${mib(left.rss)} MiB`,
    );
  } finally {
    inspector.close();
    await events.proc.kill("SIGKILL");
  }
}

async function publish(jobIndex: number): Promise<void> {
  const jobId = `bench_job_${jobIndex % JOBS}`;
  const event = {
    jobId,
    tenantId: "acme",
    type: "plan.generate",
    attempt: 1,
    at: new Date().toISOString(),
    kind: "progress",
    data: { message: `t=${performance.now().toFixed(3)}` },
  };
  await js.publish(`events.acme.${jobId}.progress`, JSON.stringify(event), { msgID: `bench-${serial++}` });
}

console.log(
  `machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GiB, node ${process.version}, ulimit -n ${execSync("ulimit -n", { shell: "/bin/bash" }).toString().trim()}, events entry ${path.relative(repoRoot(), serviceEntry("events", "built-if-present"))}`,
);
try {
  for (const n of counts) {
    const events = await startEvents(false);
    await sleep(2 * settleMs);
    const before = rssKiB(events.proc.pid);
    const latencies: number[] = [];
    const t0 = performance.now();
    const clients = await openClients(events.port, n, latencies);
    const connectMs = performance.now() - t0;
    await sleep(1_000);
    const after = rssKiB(events.proc.pid);
    for (let e = 0; e < eventsPerRun; e++) {
      await publish(e);
      await sleep(intervalMs);
    }
    const expected = n * eventsPerRun;
    const deadline = Date.now() + 30_000;
    while (latencies.length < expected && Date.now() < deadline) await sleep(100);
    const peak = rssKiB(events.proc.pid);
    console.log(
      `${n} clients (all=1): connected in ${fmt(connectMs)}; ${latencies.length}/${expected} deliveries; latency p50 ${fmt(median(latencies))}  p99 ${fmt(percentile(latencies, 99))}  max ${fmt(latencies.reduce((a, b) => Math.max(a, b), 0))}; events RSS ${Math.round(before / 1024)} → ${Math.round(after / 1024)} MiB connected (${((after - before) / n).toFixed(1)} KiB/connection), ${Math.round(peak / 1024)} MiB after the events`,
    );
    for (const c of clients) c.req.destroy();
    // Read: no need to wait for its graceful stop.
    await events.proc.kill("SIGKILL");
    await retained(n);
  }
} finally {
  await nc.close();
  await Promise.all([nats.cleanup(), mongo.cleanup()]);
}
