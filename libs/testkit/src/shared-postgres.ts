import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EPHEMERAL_SETTINGS, type PostgresServer, startEmbeddedPostgres } from "./postgres.js";

/** Use of a PostgreSQL server; `release()` says this user is done with it. */
export interface PostgresLease {
  url: string;
  release(): Promise<void>;
}

/** Starts an embedded, ephemeral PostgreSQL (data in a fresh temp dir, removed on stop). */
export async function startEphemeralPostgres(): Promise<PostgresServer> {
  // Straight under the temp dir: as root the `postgres` OS user must be able to reach it.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ai-jobs-pg-"));
  try {
    return await startEmbeddedPostgres({
      dataDir,
      persistent: false,
      password: randomBytes(12).toString("hex"),
      settings: EPHEMERAL_SETTINGS,
    });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The PostgreSQL server FerretDB suites use: PG_URL when set (a vitest run's globalSetup sets it to the run's one
 * embedded server), otherwise this process's shared embedded server.
 */
export function acquirePostgres(env: NodeJS.ProcessEnv = process.env): Promise<PostgresLease> {
  const url = env.PG_URL;
  if (url !== undefined && url.length > 0) return Promise.resolve({ url, release: async () => undefined });
  return sharedPostgres.acquire();
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const SIGNAL_STOP_MS = 5_000;

/**
 * Shares one server among the users of a process (benchmarks, scripts: anything outside a vitest run) and stops
 * it when the last one releases it, so a script ends without leftovers. This is the module's one piece of shared
 * state, on purpose: a process should start one PostgreSQL, not one per FerretDB. While the server runs, a
 * SIGINT/SIGTERM/SIGHUP stops it (removing its data dir), then exits with 128 + the signal's number unless
 * someone else handles that signal.
 */
export function createSharedPostgres(start: () => Promise<PostgresServer> = startEphemeralPostgres) {
  let server: Promise<PostgresServer> | undefined;
  let users = 0;
  let stopping: Promise<void> = Promise.resolve();

  const onSignal = (signal: NodeJS.Signals) => {
    const current = server;
    server = undefined;
    unlisten();
    const stopped = current ? current.then((s) => s.stop()) : Promise.resolve();
    const bounded = Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, SIGNAL_STOP_MS).unref())]);
    void bounded
      .catch(() => undefined)
      .then(() => {
        // Exit (not re-raise) so that `exit` hooks still run: child.ts kills this process's FerretDB children.
        if (process.listenerCount(signal) === 0) process.exit(128 + (os.constants.signals[signal] ?? 0));
      });
  };
  const listen = () => {
    for (const signal of SIGNALS) process.once(signal, onSignal);
  };
  const unlisten = () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };

  const acquire = async (): Promise<PostgresLease> => {
    await stopping;
    users++;
    if (server === undefined) {
      server = start();
      listen();
      server.catch(() => {
        server = undefined;
        unlisten();
      });
    }
    let released = false;
    try {
      const { url } = await server;
      return {
        url,
        release: async () => {
          if (released) return;
          released = true;
          await release();
        },
      };
    } catch (err) {
      users--;
      throw err;
    }
  };

  const release = async () => {
    users--;
    if (users > 0 || server === undefined) return;
    const current = server;
    server = undefined;
    unlisten();
    stopping = current.then((s) => s.stop()).catch(() => undefined);
    await stopping;
  };

  return { acquire };
}

const sharedPostgres = createSharedPostgres();
