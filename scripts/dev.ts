// The one-command local stack (`npm run dev`): installs the pinned binaries, starts NATS (JetStream) and FerretDB
// over an embedded PostgreSQL unless NATS_URL / MONGO_URL point elsewhere (PG_URL: FerretDB over that PostgreSQL;
// FERRETDB_BACKEND=sqlite: over SQLite), runs the four services from source, and shows their logs in one stream
// (scripts/dev/stack.ts). The servers come from the testkit's starters, with persistent dirs under DEV_DIR (default
// .dev/, gitignored: the data survives restarts; the full NATS, FerretDB and PostgreSQL logs are in .dev/logs/).
//
// Every child runs in a process group of its own, so a Ctrl-C in the terminal reaches only this script. SIGINT,
// SIGTERM or SIGHUP (or the parent's exit) stops the services first, then NATS and FerretDB, then PostgreSQL, and
// exits 0; should this script die of an uncaught error instead, the testkit's exit hook kills every child group.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { c, say } from "./dev/console.js";
import { Processes } from "./dev/processes.js";
import { onStopRequest } from "./dev/stop-requests.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const procs = new Processes();
let stopping: Promise<void> | undefined;

/** Stops everything in order and exits with `code`; a second call waits for the first. */
function shutdown(reason: string, code = 0): Promise<void> {
  stopping ??= (async () => {
    say(c.bold(`stopping (${reason})…`));
    await procs.stop();
    say("stopped.");
    process.exit(code);
  })();
  return stopping;
}

// First of all, before the stack's modules load (seconds, from source): from now on a signal is an ordered stop.
onStopRequest(
  (reason) => void shutdown(reason),
  () => {
    say(c.red("second signal: killing everything now"));
    procs.kill();
    process.exit(1);
  },
);

try {
  const { runStack } = await import("./dev/stack.js");
  if (!stopping) await runStack(ROOT, procs, () => stopping !== undefined);
} catch (err) {
  // Unless the start was cut short by a shutdown, which exits by itself.
  if (!stopping) {
    say(c.red(c.bold(`✖ ${err instanceof Error ? err.message : String(err)}`)));
    await shutdown("startup failed", 1);
  }
}
