/**
 * Where the gateway's time goes under load: the real stack (gateway, events, planner, ingestor, nats-server,
 * FerretDB) takes unthrottled POST /study-plans/generate/ from autocannon for PROFILE_SECONDS (default 15); prints
 * each process's CPU seconds over the run (/proc) and FerretDB's Go CPU profile (`go tool pprof -top -cum`).
 * For the gateway's own V8 profile run the gateway with NODE_OPTIONS=--cpu-prof.
 * Run: npx tsx --conditions=source bench/compare/profile-gateway.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startStack } from "../../test/support/stack.js";
import { loadOn } from "./gateway-load.js";

const seconds = Number(process.env.PROFILE_SECONDS ?? 15);
const connections = Number(process.env.PROFILE_CONNECTIONS ?? 64);

const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const listeners = () => execFileSync("ss", ["-Hltnp"]).toString().split("\n");
const pidOn = (port: number) =>
  Number(
    listeners()
      .find((l) => l.includes(`127.0.0.1:${port} `))
      ?.match(/pid=(\d+)/)?.[1],
  );

const stack = await startStack({ LOG_LEVEL: "warn" });
try {
  const ferretPort = Number(new URL(stack.mongo.url).port);
  const ferretPid = pidOn(ferretPort);
  const debugPort = listeners()
    .filter((l) => l.includes(`pid=${ferretPid},`))
    .map((l) => Number(l.match(/127\.0\.0\.1:(\d+)/)?.[1]))
    .find((p) => p !== ferretPort);
  const pids: Record<string, number> = {
    gateway: stack.services.gateway.pid,
    events: stack.services.events.pid,
    planner: stack.services.planner.pid,
    ingestor: stack.services.ingestor.pid,
    "nats-server": pidOn(stack.nats.port),
    FerretDB: ferretPid,
  };
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const ferretProfile = fetch(`http://127.0.0.1:${debugPort}/debug/pprof/profile?seconds=${seconds}`).then(async (r) =>
    Buffer.from(await r.arrayBuffer()),
  );
  const self0 = process.cpuUsage();
  const run = await loadOn(stack.gatewayUrl, { rate: undefined, durationS: seconds, connections });
  const self = process.cpuUsage(self0);
  console.log(`unthrottled, ${connections} connections, ${seconds} s: ${JSON.stringify(run)}`);
  console.log(`CPU seconds over ${seconds} s (2 cores = ${2 * seconds} s available):`);
  for (const [name, pid] of Object.entries(pids)) {
    console.log(`  ${name}: ${(cpuSeconds(pid) - (before[name] ?? 0)).toFixed(1)}`);
  }
  console.log(`  autocannon (this process): ${((self.user + self.system) / 1e6).toFixed(1)}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-gateway-profile-"));
  const file = path.join(dir, "ferretdb.pprof");
  writeFileSync(file, await ferretProfile);
  try {
    const top = execFileSync("go", ["tool", "pprof", "-top", "-cum", "-nodecount=30", file], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    console.log(top.toString());
  } catch {
    console.log(`FerretDB CPU profile written to ${file} (no \`go tool pprof\` here)`);
  }
} finally {
  await stack.stop();
}
