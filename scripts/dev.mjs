// The one-command local stack (`npm run dev`): installs the pinned binaries, starts NATS (JetStream) and FerretDB
// over an embedded PostgreSQL unless NATS_URL / MONGO_URL point elsewhere (PG_URL: FerretDB over that PostgreSQL;
// FERRETDB_BACKEND=sqlite: over SQLite), runs the four services from source, and shows their logs in one stream.
// Ctrl-C or SIGTERM stops the services first, then NATS and FerretDB, then PostgreSQL, and exits 0.
//
// Data lives in .dev/ (gitignored) and survives restarts; the full NATS, FerretDB and PostgreSQL logs are in
// .dev/logs/.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";
import { ferretListenArgs, natsArgs, serviceListeners } from "./dev-listeners.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DEV_DIR = path.join(ROOT, ".dev");
const LOG_DIR = path.join(DEV_DIR, "logs");
const BIN_DIR = path.join(ROOT, ".tools", "bin");
const GRACE_MS = 10_000;
const READY_TIMEOUT_MS = 60_000;
const NAME_WIDTH = 8;

// ── output ────────────────────────────────────────────────────────────────────────────────────────────────────

const useColor = process.env.FORCE_COLOR
  ? process.env.FORCE_COLOR !== "0"
  : !process.env.NO_COLOR && process.stdout.isTTY;
const paint = (code) => (text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const c = {
  dim: paint("2"),
  bold: paint("1"),
  red: paint("31"),
  green: paint("32"),
  yellow: paint("33"),
  cyan: paint("36"),
};
const NAME_COLORS = {
  gateway: "36",
  events: "35",
  planner: "33",
  ingestor: "32",
  nats: "34",
  ferretdb: "94",
  postgres: "96",
  dev: "1",
};
const LEVELS = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const LEVEL_COLORS = { TRACE: c.dim, DEBUG: c.dim, INFO: c.green, WARN: c.yellow, ERROR: c.red, FATAL: c.red };

function prefix(name) {
  return `${paint(NAME_COLORS[name] ?? "0")(name.padEnd(NAME_WIDTH))} |`;
}

function print(name, text) {
  process.stdout.write(`${prefix(name)} ${text}\n`);
}

const say = (text) => print("dev", text);

function hhmmss(time) {
  const d = time === undefined ? new Date() : new Date(time);
  if (Number.isNaN(d.getTime())) return String(time);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** A pino JSON line rendered as `HH:MM:SS LEVEL msg job_id=… trace_id=… err=…`; anything else is returned as is. */
function render(line) {
  if (!line.startsWith("{")) return line;
  let o;
  try {
    o = JSON.parse(line);
  } catch {
    return line;
  }
  if (o === null || typeof o !== "object" || Array.isArray(o) || !("msg" in o || "level" in o)) return line;
  const level =
    typeof o.level === "number" ? (LEVELS[o.level] ?? String(o.level)) : String(o.level ?? "").toUpperCase();
  const extras = [];
  if (o.job_id !== undefined) extras.push(`job_id=${o.job_id}`);
  if (o.trace_id !== undefined) extras.push(`trace_id=${o.trace_id}`);
  if (o.err && typeof o.err === "object" && o.err.message !== undefined) extras.push(c.red(`err=${o.err.message}`));
  const head = `${c.dim(hhmmss(o.time))} ${(LEVEL_COLORS[level] ?? ((s) => s))(level.padEnd(5))}`;
  return [head, String(o.msg ?? ""), extras.length > 0 ? c.dim(extras.join(" ")) : ""].filter(Boolean).join(" ");
}

// ── processes ────────────────────────────────────────────────────────────────────────────────────────────────

/** Every process this script started, in start order. */
const procs = [];
let shuttingDown = false;
/** While true, an infrastructure (or store) exit is reported by waitReady() as a startup failure instead. */
let infraStarting = true;

/**
 * Starts a child in its own process group, so that a Ctrl-C in the terminal reaches only this script, which then
 * stops the services before the infrastructure. `show(line)` decides which output lines reach the console; all of
 * them go to `logFile` when one is given, and the last 50 are kept for error messages.
 */
function start(name, command, args, { env = process.env, kind, show = () => true, logFile } = {}) {
  const file = logFile ? createWriteStream(logFile, { flags: "a" }) : undefined;
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const proc = { name, kind, child, tail: [], running: true };
  proc.exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      proc.running = false;
      file?.end();
      const isInfra = kind === "infra" || kind === "store";
      if (!shuttingDown && !(isInfra && infraStarting)) {
        const how = signal ? `signal ${signal}` : `code ${code}`;
        say(c.red(c.bold(`✖ ${name} exited unexpectedly (${how}); the rest keep running.`)));
        // Service output is all on screen already; infrastructure output is filtered, so show its tail.
        if (isInfra) for (const l of proc.tail.slice(-15)) print(name, c.dim(l));
      }
      resolve({ code, signal });
    });
    child.once("error", (err) => {
      say(c.red(`✖ could not start ${name}: ${err.message}`));
      if (child.pid === undefined) {
        proc.running = false;
        resolve({ code: null, signal: null });
      }
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      file?.write(`${line}\n`);
      proc.tail.push(line);
      if (proc.tail.length > 50) proc.tail.shift();
      if (show(line)) print(name, render(line));
    });
  }
  procs.push(proc);
  return proc;
}

/** Signals the child's whole process group (it was started detached), falling back to the child alone. */
function signal(proc, sig) {
  if (!proc.running || proc.child.pid === undefined) return;
  try {
    process.kill(-proc.child.pid, sig);
  } catch {
    try {
      proc.child.kill(sig);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, wait up to GRACE_MS, then SIGKILL whatever is left. */
async function stopAll(list) {
  const running = list.filter((p) => p.running);
  if (running.length === 0) return;
  for (const p of running) signal(p, "SIGTERM");
  let timer;
  const graceOver = new Promise((resolve) => {
    timer = setTimeout(resolve, GRACE_MS, "timeout");
  });
  const allExited = Promise.all(running.map((p) => p.exited));
  if ((await Promise.race([allExited, graceOver])) === "timeout") {
    for (const p of running.filter((x) => x.running)) {
      say(c.yellow(`${p.name} did not stop within ${GRACE_MS / 1000} s: SIGKILL`));
      signal(p, "SIGKILL");
    }
    await allExited;
  }
  clearTimeout(timer);
}

async function shutdown(reason, exitCode = 0) {
  if (shuttingDown) {
    say(c.red("second signal: killing everything now"));
    for (const p of procs) signal(p, "SIGKILL");
    process.exit(1);
  }
  shuttingDown = true;
  say(c.bold(`stopping (${reason})…`));
  await stopAll(procs.filter((p) => p.kind === "service"));
  await stopAll(procs.filter((p) => p.kind === "infra"));
  // PostgreSQL last: FerretDB is its only client.
  await stopAll(procs.filter((p) => p.kind === "store"));
  say("stopped.");
  process.exit(exitCode);
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => void shutdown(sig));
// `kill -TERM` of `npm run dev` does not reach this script: npm 11 signals its shell, which dies without passing the
// signal on. This script is then orphaned, so losing the parent is a stop signal too.
const parentPid = process.ppid;
setInterval(() => {
  if (!shuttingDown && process.ppid !== parentPid) void shutdown("parent exited");
}, 500).unref();
// If this script dies in any other way, never leave orphans behind.
process.on("exit", () => {
  for (const p of procs) signal(p, "SIGKILL");
});

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────────

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function randomPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const preferredPort = async (port) => ((await portFree(port)) ? port : randomPort());

function canConnect(host, port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function mongoPing(url) {
  let MongoClient;
  try {
    ({ MongoClient } = await import("mongodb"));
  } catch {
    // No driver installed: a TCP connect has to do.
    const hp = hostPort(url, 27017);
    return hp ? canConnect(hp.host, hp.port) : false;
  }
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1_000, directConnection: true });
  try {
    await client.connect();
    return (await client.db("admin").command({ ping: 1 })).ok === 1;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}

/** Polls `probe` until it succeeds; exits with the process's last output if it dies or the timeout passes. */
async function waitReady(proc, what, probe) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!shuttingDown) {
    if (!proc.running) return fail(`${proc.name} exited before ${what}`, proc);
    if (await probe()) return;
    if (Date.now() > deadline) return fail(`timed out after ${READY_TIMEOUT_MS / 1000} s waiting for ${what}`, proc);
    await sleep(200);
  }
}

async function fail(message, proc) {
  say(c.red(c.bold(`✖ ${message}`)));
  if (proc) for (const l of proc.tail.slice(-30)) print(proc.name, c.dim(l));
  await shutdown("startup failed", 1);
}

function hostPort(url, fallbackPort) {
  try {
    const u = new URL(url.includes("://") ? url.split(",")[0] : `x://${url}`);
    return { host: u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", port: Number(u.port) || fallbackPort };
  } catch {
    return undefined;
  }
}

async function checkExternal(name, url, fallbackPort) {
  const hp = hostPort(url, fallbackPort);
  if (hp && !(await canConnect(hp.host, hp.port))) say(c.yellow(`warning: ${name} at ${url} is not reachable yet`));
}

// ── 1. binaries ──────────────────────────────────────────────────────────────────────────────────────────────

const boot = spawnSync("bash", [path.join(ROOT, "scripts", "bootstrap.sh")], { cwd: ROOT, stdio: "inherit" });
if (boot.status !== 0) {
  say(c.red(`✖ scripts/bootstrap.sh failed (${boot.error?.message ?? `exit ${boot.status}`})`));
  process.exit(boot.status ?? 1);
}
mkdirSync(LOG_DIR, { recursive: true });

// ── 2. NATS and MongoDB ──────────────────────────────────────────────────────────────────────────────────────

const infraShow = (re) => (line) => re.test(line);

let natsUrl = process.env.NATS_URL;
let natsReady = Promise.resolve();
/** Each service's NATS credentials: `NATS_<SERVICE>_NKEY_SEED` from the environment, or the fresh keys below. */
let natsEnvOf = (name) => {
  const seed = process.env[`NATS_${name.toUpperCase()}_NKEY_SEED`];
  return seed ? { NATS_NKEY_SEED: seed } : {};
};
if (natsUrl) {
  say(`NATS: using NATS_URL=${natsUrl}`);
  await checkExternal("NATS", natsUrl, 4222);
} else {
  // Our own NATS runs with the generated authorization block and fresh NKEYs for every run (nothing to keep).
  const { natsAuth } = await tsImport(path.join(ROOT, "libs", "testkit", "src", "nats-auth.ts"), import.meta.url);
  const auth = natsAuth();
  natsEnvOf = (name) => auth.envOf(name);
  const port = await preferredPort(4333);
  const monitor = await randomPort();
  const storeDir = path.join(DEV_DIR, "nats");
  mkdirSync(storeDir, { recursive: true });
  const config = path.join(ROOT, "deploy", "nats", "authorization.conf");
  const args = ["-c", config, ...natsArgs({ port, monitorPort: monitor, storeDir })];
  const nats = start("nats", path.join(BIN_DIR, "nats-server"), args, {
    env: { ...process.env, ...auth.serverEnv },
    kind: "infra",
    show: infraShow(/\[(WRN|ERR|FTL)\]/),
    logFile: path.join(LOG_DIR, "nats.log"),
  });
  natsUrl = `nats://127.0.0.1:${port}`;
  natsReady = waitReady(nats, "NATS to be healthy", () =>
    httpOk(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`),
  ).then(() => print("nats", c.green(`ready on ${natsUrl} (store .dev/nats, log .dev/logs/nats.log)`)));
}

/** testkit's PostgreSQL helpers, loaded from source through tsx (this script stays plain JS). */
const testkit = (file) => tsImport(path.join(ROOT, "libs", "testkit", "src", file), import.meta.url);

/** The embedded PostgreSQL (data in .dev/pg) in a process of its own; resolves with its superuser URL. */
async function startPostgres() {
  const port = await preferredPort(54320);
  let url;
  const pg = start(
    "postgres",
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(ROOT, "libs", "testkit", "src", "postgres-main.ts"),
      path.join(DEV_DIR, "pg"),
      String(port),
    ],
    {
      kind: "store",
      show: (line) => {
        if (line.startsWith("ready ")) url = line.slice("ready ".length);
        else return /\b(ERROR|FATAL|PANIC)\b|closed to the postgres/.test(line);
        return false;
      },
      logFile: path.join(LOG_DIR, "postgres.log"),
    },
  );
  await waitReady(pg, "PostgreSQL to accept connections", async () => url !== undefined);
  print(
    "postgres",
    c.green(`ready on 127.0.0.1:${new URL(url ?? "postgres://x").port} (data .dev/pg, log .dev/logs/postgres.log)`),
  );
  return url;
}

/** FerretDB's storage flags: its own database on PG_URL or the embedded PostgreSQL, or SQLite in .dev/ferretdb. */
async function ferretStorage(dataDir) {
  const backend = process.env.FERRETDB_BACKEND || "postgresql";
  if (backend === "sqlite") return ["--handler=sqlite", `--sqlite-url=file:${dataDir}/`];
  if (backend !== "postgresql") return fail(`FERRETDB_BACKEND must be "postgresql" or "sqlite", not "${backend}"`);
  let pgUrl = process.env.PG_URL;
  if (pgUrl) say(`PostgreSQL: using PG_URL for FerretDB`);
  else pgUrl = await startPostgres();
  if (shuttingDown) return [];
  try {
    const { prepareFerretDatabase } = await testkit("pg-database.ts");
    const url = await prepareFerretDatabase(pgUrl, "ai_jobs_dev");
    return ["--handler=postgresql", `--postgresql-url=${url}`];
  } catch (err) {
    return fail(`could not prepare the PostgreSQL database ai_jobs_dev: ${err instanceof Error ? err.message : err}`);
  }
}

let mongoUrl = process.env.MONGO_URL;
let mongoReady = Promise.resolve();
if (mongoUrl) {
  say(`MongoDB: using MONGO_URL=${mongoUrl}`);
  await checkExternal("MongoDB", mongoUrl, 27017);
} else {
  const port = await preferredPort(27027);
  const dataDir = path.join(DEV_DIR, "ferretdb");
  mkdirSync(dataDir, { recursive: true });
  const storage = await ferretStorage(dataDir);
  if (shuttingDown) await new Promise(() => {}); // shutdown() is already exiting
  const args = [...storage, ...ferretListenArgs(port), "--telemetry=disable", `--state-dir=${dataDir}`];
  const ferret = start("ferretdb", path.join(BIN_DIR, "ferretdb"), args, {
    kind: "infra",
    // FerretDB warns on every dropped client connection: only errors reach the console.
    show: infraShow(/\b(ERROR|DPANIC|PANIC|FATAL)\b/),
    logFile: path.join(LOG_DIR, "ferretdb.log"),
  });
  mongoUrl = `mongodb://127.0.0.1:${port}/`;
  const over = storage[0] === "--handler=sqlite" ? "SQLite in .dev/ferretdb" : "PostgreSQL";
  mongoReady = waitReady(ferret, "FerretDB to answer ping", () => mongoPing(mongoUrl)).then(() =>
    print("ferretdb", c.green(`ready on ${mongoUrl} (over ${over}, log .dev/logs/ferretdb.log)`)),
  );
}

await Promise.all([natsReady, mongoReady]);
infraStarting = false;
if (shuttingDown) await new Promise(() => {}); // shutdown() is already exiting

// ── 3. services ──────────────────────────────────────────────────────────────────────────────────────────────

const authTokens = process.env.AUTH_TOKENS || "dev-token:demo:admin";
const gatewayPort = Number(process.env.GATEWAY_PORT || 8080);
const shared = { NATS_URL: natsUrl, MONGO_URL: mongoUrl, MONGO_DB: "ai_jobs_dev", AUTH_TOKENS: authTokens };
// Loopback only: the stack runs with a well-known admin token.
const services = serviceListeners({ gatewayPort });

let gateway;
for (const svc of services) {
  const entry = path.join(ROOT, "services", svc.name, "src", "main.ts");
  if (!existsSync(entry)) {
    say(c.yellow(`skipping ${svc.name}: ${path.relative(ROOT, entry)} does not exist`));
    continue;
  }
  const proc = start(svc.name, process.execPath, ["--conditions=source", "--import", "tsx", entry], {
    kind: "service",
    env: { ...process.env, ...shared, ...natsEnvOf(svc.name), ...svc.env },
  });
  if (svc.name === "gateway") gateway = proc;
}
if (!procs.some((p) => p.kind === "service")) say(c.yellow("no service to run; NATS and MongoDB stay up until Ctrl-C"));

// ── 4. banner ────────────────────────────────────────────────────────────────────────────────────────────────

if (gateway) {
  const base = `http://127.0.0.1:${gatewayPort}`;
  // Wait for the gateway; if it dies first, its exit has already been reported and there is no banner.
  while (!shuttingDown && gateway.running && !(await httpOk(`${base}/healthz`))) await sleep(500);
  if (!shuttingDown && gateway.running) {
    const token = authTokens.split(",")[0]?.split(":")[0]?.trim() || "dev-token";
    const auth = `-H 'Authorization: Bearer ${token}'`;
    const body = '{"goal":"Learn linear algebra","start_date":"2026-12-01","end_date":"2026-12-07"}';
    const lines = [
      "",
      c.bold(c.green("The stack is up.")),
      `  gateway  ${c.cyan(base)}`,
      `  token    ${c.cyan(token)}`,
      "",
      c.bold("  # 1. Generate a study plan (answers 202 with job_id):"),
      `  curl -sS -X POST ${base}/api/ai/study-plans/generate/ \\`,
      `    ${auth} -H 'Content-Type: application/json' \\`,
      `    -d '${body}'`,
      "",
      c.bold("  # 2. Follow the job live (Server-Sent Events):"),
      `  curl -N ${auth} '${base}/api/ai/jobs/stream/?job_id=<JOB_ID>'`,
      "",
      c.bold("  # 3. Read the job's status:"),
      `  curl -sS ${auth} ${base}/api/ai/jobs/<JOB_ID>/`,
      "",
      c.dim("  Ctrl-C (or SIGTERM) stops everything. Data persists in .dev/."),
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}
