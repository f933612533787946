/**
 * `npm run dev` leaves no process behind on SIGTERM: `kill -TERM` of npm (which forwards the signal to the dev
 * script) stops the services, NATS, FerretDB and PostgreSQL, and npm exits 0 with every process of the stack gone.
 * The stack runs for real, in a temp DEV_DIR, on free ports (DEV_RANDOM_PORTS=1, GATEWAY_PORT).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, httpOk, repoRoot, waitFor } from "@ai-jobs/testkit";
import { afterAll, describe, expect, it } from "vitest";

const READY_TIMEOUT_MS = 60_000;
/** Services get 10 s each to stop before SIGKILL; in practice the whole stack stops in about 5 s. */
const EXIT_TIMEOUT_MS = 30_000;

interface Proc {
  pid: number;
  ppid: number;
  /** Clock ticks after boot: with the pid, it tells a process from a later one that reuses the pid. */
  start: string;
  state: string;
  cmd: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses): state ppid … starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
    return { pid, ppid: Number(fields[1]), start: fields[19] ?? "", state: fields[0] ?? "", cmd };
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Every process below `root`, found by walking /proc. */
function descendants(root: number): Proc[] {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is Proc => p !== undefined);
  const found: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const p of all.filter((x) => x.ppid === parent)) {
      found.push(p);
      queue.push(p.pid);
    }
  }
  return found;
}

/** Still there: the same pid with the same start time, and not a zombie waiting to be reaped. */
const alive = (p: Proc) => {
  const now = readProc(p.pid);
  return now !== undefined && now.start === p.start && now.state !== "Z";
};

const devDir = mkdtempSync(path.join(tmpdir(), "ai-jobs-dev-shutdown-"));
// As root, PostgreSQL runs as the OS user `postgres`, which must reach DEV_DIR/pg.
chmodSync(devDir, 0o755);
let npm: ChildProcess | undefined;
let seen: Proc[] = [];
const output: string[] = [];

afterAll(async () => {
  // Only after a failure is anything left: kill exactly what this test saw, then remove the data.
  if (npm?.pid !== undefined && npm.exitCode === null && npm.signalCode === null) npm.kill("SIGKILL");
  for (const p of seen.filter(alive)) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  await sleep(200);
  rmSync(devDir, { recursive: true, force: true });
});

/** `npm run dev` as a user runs it, in a temp DEV_DIR, on free ports, with servers of its own. */
function spawnDev(gatewayPort: number): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DEV_DIR: devDir,
    DEV_RANDOM_PORTS: "1",
    GATEWAY_PORT: String(gatewayPort),
    NO_COLOR: "1",
    npm_config_update_notifier: "false",
  };
  // The vitest run's PostgreSQL (PG_URL) and any external server would leave parts of the stack out of the test.
  for (const key of ["PG_URL", "NATS_URL", "MONGO_URL", "FERRETDB_BACKEND", "TESTKIT_NO_SERVERS", "AUTH_TOKENS"]) {
    delete env[key];
  }
  const child = spawn("npm", ["run", "dev"], { cwd: repoRoot(), env, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => output.push(...chunk.split("\n").filter(Boolean)));
  }
  return child;
}

const tail = () => output.slice(-60).join("\n");

// Linux: the test reads the process tree from /proc.
describe.skipIf(process.platform !== "linux")("npm run dev on SIGTERM", () => {
  it("stops every process it started and exits 0", {
    timeout: READY_TIMEOUT_MS + EXIT_TIMEOUT_MS + 10_000,
  }, async () => {
    const gatewayPort = await freePort();
    const dev = spawnDev(gatewayPort);
    npm = dev;
    const npmPid = dev.pid ?? -1;
    const hasExited = () => dev.exitCode !== null || dev.signalCode !== null;

    await waitFor(
      async () => {
        if (hasExited()) throw new Error(`npm run dev exited:\n${tail()}`);
        return httpOk(`http://127.0.0.1:${gatewayPort}/readyz`);
      },
      { what: "the gateway's /readyz", timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 },
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nlast output:\n${tail()}`);
    });

    seen = descendants(npmPid);
    const commands = seen.map((p) => p.cmd).join("\n");
    for (const part of ["nats-server", "ferretdb", "postgres -D", "postgres-main.ts"]) {
      expect(commands, `a process running ${part}`).toContain(part);
    }
    for (const service of ["gateway", "events", "planner", "ingestor"]) {
      expect(commands, `the ${service} service`).toContain(`services/${service}/src/main.ts`);
    }

    const sent = Date.now();
    dev.kill("SIGTERM");
    await waitFor(hasExited, { what: "npm run dev to exit", timeoutMs: EXIT_TIMEOUT_MS, intervalMs: 100 }).catch(() => {
      throw new Error(`npm run dev did not exit within ${EXIT_TIMEOUT_MS} ms of SIGTERM:\n${tail()}`);
    });
    const stopMs = Date.now() - sent;
    const outcome = { code: dev.exitCode, signal: dev.signalCode };

    // The exit code says the shutdown was the ordered one; the process table says nothing was left behind.
    const left = await waitFor(() => (seen.some(alive) ? false : "none"), { timeoutMs: 2_000 }).catch(() =>
      seen.filter(alive).map((p) => `${p.pid} ${p.cmd}`),
    );
    expect({ exit: outcome, left }, `${stopMs} ms after SIGTERM; last output:\n${tail()}`).toEqual({
      exit: { code: 0, signal: null },
      left: "none",
    });
    expect(output).toContain("dev      | stopped.");
  });
});
