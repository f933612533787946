import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ProcessOptions, startChildWith } from "./child.js";
import { freePort } from "./ports.js";
import { waitUntilReady } from "./ready.js";
import { repoRoot } from "./repo.js";
import { assertServersAllowed } from "./unit-guard.js";

export interface PostgresProcess {
  /** The superuser URL (database `postgres`). */
  url: string;
  pid: number;
  /** SIGTERM: the process stops PostgreSQL (fast shutdown) and exits; SIGKILL after `graceMs` (default 10 s). */
  stop(graceMs?: number): Promise<void>;
}

export interface StartPostgresProcessOptions {
  /** The persistent cluster's dir: initialised on first use, then only started (`npm run dev`: .dev/pg). */
  dataDir: string;
  /** Default: a free one (also when the given one turns out to be taken). */
  port?: number;
  /** How the helper process runs (default: a plain child of this process). */
  process?: ProcessOptions;
  /** Default 60 s: a first start runs initdb. */
  readyTimeoutMs?: number;
}

/** The helper's entry next to this module: postgres-main.ts from source, postgres-main.js once built. */
const MAIN = fileURLToPath(new URL(`./postgres-main${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/**
 * A persistent embedded PostgreSQL (the settings of `npm run dev`, DEV_SETTINGS) in a process of its own
 * (postgres-main.ts), which a caller can run detached and stop after the servers that use it. Resolves once it
 * accepts connections.
 */
export async function startPostgresProcess(opts: StartPostgresProcessOptions): Promise<PostgresProcess> {
  assertServersAllowed("startPostgresProcess()");
  const port = opts.port ?? (await freePort());
  let url: string | undefined;
  const child = startChildWith(
    {
      name: "postgres",
      command: process.execPath,
      args: ["--import", "tsx", MAIN, opts.dataDir, String(port)],
      cwd: repoRoot(),
      maxLines: 500,
    },
    opts.process,
  );
  child.log.onLine((line) => {
    if (url === undefined && line.startsWith("ready ")) url = line.slice("ready ".length);
  });
  await waitUntilReady(child, async () => url !== undefined, {
    what: "PostgreSQL to accept connections",
    timeoutMs: opts.readyTimeoutMs ?? 60_000,
    tailLines: 30,
  });
  return {
    url: url ?? "",
    pid: child.pid,
    async stop(graceMs) {
      await child.stop(graceMs);
    },
  };
}
