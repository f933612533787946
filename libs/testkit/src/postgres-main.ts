/**
 * An embedded PostgreSQL as a process of its own, for `npm run dev`: scripts/dev.ts starts it detached
 * (startPostgresProcess, postgres-process.ts), so that a Ctrl-C in the terminal reaches only dev.ts, which stops it
 * (SIGTERM) after everything that uses it. Prints `ready <superuser URL>` once the server accepts connections; all
 * output lines go to stdout. Should its parent die without stopping it (SIGKILL), it stops PostgreSQL on its own.
 * Usage: node --import tsx libs/testkit/src/postgres-main.ts <data dir> <port>
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEV_SETTINGS, startEmbeddedPostgres } from "./postgres.js";

/** The dev cluster's superuser password: initdb stores it once, and the server listens on 127.0.0.1 only. */
const DEV_PASSWORD = "ai-jobs-dev";

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must be able to reach its data dir: a checkout under
 * /root (mode 700) it cannot. Then the data goes under the temp dir instead, one dir per checkout.
 */
function reachableDataDir(wanted: string): string {
  if (process.getuid?.() !== 0) return wanted;
  for (let dir = path.dirname(path.resolve(wanted)); ; dir = path.dirname(dir)) {
    const mode = statSync(dir, { throwIfNoEntry: false })?.mode;
    if (mode !== undefined && (mode & 0o001) === 0) {
      const id = createHash("sha256").update(path.resolve(wanted)).digest("hex").slice(0, 12);
      const fallback = path.join(os.tmpdir(), `ai-jobs-dev-pg-${id}`);
      console.log(`${dir} is closed to the postgres OS user: the data goes to ${fallback}`);
      return fallback;
    }
    if (dir === path.dirname(dir)) return wanted;
  }
}

const [dir, port] = process.argv.slice(2);
if (dir === undefined || port === undefined || !Number.isInteger(Number(port))) {
  console.error("usage: postgres-main.ts <data dir> <port>");
  process.exit(2);
}
const started = startEmbeddedPostgres({
  dataDir: reachableDataDir(dir),
  persistent: true,
  password: DEV_PASSWORD,
  settings: DEV_SETTINGS,
  port: Number(port),
  onLog: (line) => console.log(line),
});

/** Stops the server, once it has started if a signal comes while it starts, and exits. */
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  try {
    await (await started).stop();
  } finally {
    process.exit(0);
  }
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop());
// Orphaned (the parent was killed before it could stop this process): nobody else will stop PostgreSQL.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 500).unref();

const server = await started;
if (!stopping) console.log(`ready ${server.url}`);
