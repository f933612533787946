/**
 * Where the platform's dispatch time goes: runs the platform row of the dispatch scenario once while recording
 *  - the CPU seconds of each process (this Node process, nats-server, FerretDB) from /proc,
 *  - this process's V8 CPU profile (node:inspector), summed by self time per function and per package,
 *  - FerretDB's Go CPU profile from its pprof endpoint (testkit starts it with --debug-addr), shown with
 *    `go tool pprof -top` when Go is installed.
 * Run: npx tsx --conditions=source bench/compare/profile.ts   (PROFILE_JOBS=2000, PROFILE_PREFILL=1 for the full
 * queue drain, PROFILE_READ=1 to read every job back through a gateway; the profiles are left in PROFILE_DIR,
 * default a temp dir)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import { startMongo, startNats } from "@ai-jobs/testkit";
import type { Services } from "../../test/support/stack.js";
import { dispatchPlatform } from "./dispatch-platform.js";

const jobs = Number(process.env.PROFILE_JOBS ?? 2_000);
const prefill = process.env.PROFILE_PREFILL === "1";
const readTerminal = process.env.PROFILE_READ === "1";
const dir = process.env.PROFILE_DIR ?? mkdtempSync(path.join(os.tmpdir(), "bench-profile-"));

/** The pid listening on a TCP port, and every port that pid listens on (`ss -ltnp`). */
function listener(port: number): { pid: number; ports: number[] } {
  const lines = execFileSync("ss", ["-Hltnp"]).toString().split("\n");
  const pidOf = (line: string) => Number(line.match(/pid=(\d+)/)?.[1]);
  const owner = lines.find((l) => l.includes(`127.0.0.1:${port} `));
  const pid = owner ? pidOf(owner) : Number.NaN;
  const ports = lines.filter((l) => pidOf(l) === pid).map((l) => Number(l.match(/127\.0\.0\.1:(\d+)/)?.[1]));
  return { pid, ports };
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Self time by function and by package from a V8 CPU profile's samples. */
function summarize(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where =
      url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ??
      url.match(/(libs\/[^/]+|services\/[^/]+|bench)\//)?.[1] ??
      (url.startsWith("node:") ? "node internals" : url === "" ? "(native/gc/idle)" : url);
    const name = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    pkg.set(where, (pkg.get(where) ?? 0) + us);
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`);
  return { functions: top(fn, 25), packages: top(pkg, 15) };
}

const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
try {
  const ferret = listener(Number(new URL(mongo.url).port));
  const natsPid = listener(nats.port).pid;
  const debugPort = ferret.ports.find((p) => p !== Number(new URL(mongo.url).port));
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  const before = { self: process.cpuUsage(), nats: cpuSeconds(natsPid), ferret: cpuSeconds(ferret.pid) };
  const t0 = performance.now();
  // FerretDB's own profile over the same window (its pprof answers when the seconds are up).
  const seconds = Number(process.env.PROFILE_FERRET_SECONDS ?? 20);
  const ferretProfile = debugPort
    ? fetch(`http://127.0.0.1:${debugPort}/debug/pprof/profile?seconds=${seconds}`).then(async (r) =>
        Buffer.from(await r.arrayBuffer()),
      )
    : undefined;
  let services: Services | undefined;
  // The gateway process is stopped before dispatchPlatform returns, so its CPU is sampled while it lives.
  let gateway: { pid: number; start: number; last: number } | undefined;
  const sampleGateway = setInterval(() => {
    if (!gateway) return;
    try {
      gateway.last = cpuSeconds(gateway.pid);
    } catch {
      clearInterval(sampleGateway);
    }
  }, 100);
  const row = await dispatchPlatform(
    { jobs, concurrency: 16, window: 500, timeoutMs: 1_200_000, prefill, readTerminal, projectDuring: false },
    {
      servers: { nats, mongo },
      onServices: (s) => {
        services = s;
        const pid = s.processes.gateway?.pid;
        if (pid) gateway = { pid, start: cpuSeconds(pid), last: cpuSeconds(pid) };
      },
    },
  );
  if (!services) throw new Error("the platform row started no services");
  const wallS = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(before.self);
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(path.join(dir, "bench.cpuprofile"), JSON.stringify(profile));
  console.log(`platform dispatch, ${jobs} jobs${prefill ? " (full queue)" : ""}: ${JSON.stringify(row)}`);
  console.log(`wall ${wallS.toFixed(1)} s; CPU seconds over the run:`);
  console.log(`  this Node process (producer + worker): ${((self.user + self.system) / 1e6).toFixed(1)}`);
  console.log(`  nats-server: ${(cpuSeconds(natsPid) - before.nats).toFixed(1)}`);
  console.log(`  FerretDB: ${(cpuSeconds(ferret.pid) - before.ferret).toFixed(1)}`);
  clearInterval(sampleGateway);
  if (gateway)
    console.log(`  gateway (the GET reads, to its last 100 ms): ${(gateway.last - gateway.start).toFixed(1)}`);
  const s = summarize(profile as unknown as Parameters<typeof summarize>[0]);
  console.log("Node self time by package:");
  console.log(s.packages.join("\n"));
  console.log("Node self time by function:");
  console.log(s.functions.join("\n"));
  if (ferretProfile) {
    const file = path.join(dir, "ferretdb.pprof");
    writeFileSync(file, await ferretProfile);
    try {
      const top = execFileSync("go", ["tool", "pprof", "-top", "-nodecount=25", file], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      console.log(`FerretDB CPU profile (first ${seconds} s):\n${top.toString()}`);
    } catch {
      console.log(`FerretDB CPU profile written to ${file} (no \`go tool pprof\` here)`);
    }
  }
  console.log(`profiles in ${dir}`);
} finally {
  await Promise.all([nats.cleanup(), mongo.cleanup()]);
}
