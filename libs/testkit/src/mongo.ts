import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MongoClient } from "mongodb";
import { toolBinary } from "./bin.js";
import { type Child, type ProcessOptions, startChildWith } from "./child.js";
import { ferretListenArgs } from "./listen.js";
import { mongoBackend } from "./mongo-backend.js";
import { dropDatabase, prepareFerretDatabase } from "./pg-database.js";
import { canConnect, freePort, launchWithPortRetry } from "./ports.js";
import { waitUntilReady } from "./ready.js";
import { acquirePostgres, type PostgresLease } from "./shared-postgres.js";
import { assertServersAllowed } from "./unit-guard.js";

export interface MongoServer {
  /** A MongoDB connection string (no database in the path: use `dbName`). */
  url: string;
  /** A database name unique to this call, so suites never share data. */
  dbName: string;
  /** SIGTERM, and wait for the exit. Unsupported with an external MONGO_URL. */
  stop(): Promise<void>;
  /** SIGKILL, and wait for the exit. Unsupported with an external MONGO_URL. */
  kill(): Promise<void>;
  /** Restart the FerretDB process on the same port over the same data. Unsupported with an external MONGO_URL. */
  restart(): Promise<void>;
  /**
   * FerretDB: stop, then drop its PostgreSQL database and remove its dir (each unless given). External MONGO_URL:
   * drop the database.
   */
  cleanup(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

const uniqueDbName = () => `test_${randomBytes(6).toString("hex")}`;

/** True when a MongoDB wire endpoint answers `ping`. */
export async function mongoPing(url: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    directConnection: true,
  });
  try {
    await client.connect();
    const res = await client.db("admin").command({ ping: 1 });
    return res.ok === 1;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

export interface StartMongoOptions {
  /** Read for MONGO_URL, FERRETDB_BACKEND and PG_URL (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The PostgreSQL server of the postgresql backend (default: PG_URL, else this process's shared embedded one). */
  acquirePostgres?: (env: NodeJS.ProcessEnv) => Promise<PostgresLease>;
  /** postgresql backend: install the GIN twin trigger (default true; false only to measure what it buys). */
  ginTwins?: boolean;
  /** FerretDB's port (default: a free one). */
  port?: number;
  /**
   * FerretDB's state dir (and the SQLite backend's data), kept by cleanup() (`npm run dev`: .dev/ferretdb);
   * default: a fresh temp dir, removed by it.
   */
  dataDir?: string;
  /**
   * FerretDB only: `dbName`, and on the postgresql backend the PostgreSQL database FerretDB stores into (created
   * unless it exists). Kept by cleanup() (`npm run dev`: ai_jobs_dev); default: `test_<random>`, dropped by it.
   */
  database?: string;
  /** How the FerretDB process runs (default: a plain child of this process). */
  process?: ProcessOptions;
}

/**
 * A MongoDB wire endpoint for a test suite: the server at MONGO_URL when it is set, otherwise a FerretDB process on
 * a random port over PostgreSQL, in a database of its own (`FERRETDB_BACKEND=sqlite`: over SQLite in a temp dir).
 * FerretDB has no TTL indexes, change streams or transactions.
 */
export async function startMongo(opts: StartMongoOptions = {}): Promise<MongoServer> {
  assertServersAllowed("startMongo()");
  const env = opts.env ?? process.env;
  const backend = mongoBackend(env);
  if (backend === "external") return useExternal(env.MONGO_URL ?? "");
  if (backend === "sqlite") return startFerret(sqliteStorage, opts);
  const acquire = () => (opts.acquirePostgres ?? acquirePostgres)(env);
  return startFerret(postgresStorage(acquire, opts.ginTwins ?? true, opts.database), opts);
}

/** Where a FerretDB keeps its data: the handler flags, and what to undo at cleanup. */
interface FerretStorage {
  args: string[];
  cleanup(): Promise<void>;
}

const sqliteStorage = async (dir: string): Promise<FerretStorage> => ({
  args: ["--handler=sqlite", `--sqlite-url=file:${dir}/`],
  cleanup: async () => undefined,
});

/**
 * A database of its own on the PostgreSQL server, dropped at cleanup (and the server released); or the given one,
 * kept.
 */
const postgresStorage =
  (acquire: () => Promise<PostgresLease>, ginTwins: boolean, given?: string) => async (): Promise<FerretStorage> => {
    const lease = await acquire();
    const database = given ?? uniqueDbName();
    try {
      const url = await prepareFerretDatabase(lease.url, database, { ginTwins });
      return {
        args: ["--handler=postgresql", `--postgresql-url=${url}`],
        async cleanup() {
          try {
            if (given === undefined) await dropDatabase(lease.url, database);
          } finally {
            await lease.release();
          }
        },
      };
    } catch (err) {
      await lease.release();
      throw err;
    }
  };

function useExternal(url: string): MongoServer {
  const dbName = uniqueDbName();
  const unsupported = async (what: string): Promise<never> => {
    throw new Error(`testkit: MongoServer.${what}() is not supported with external MONGO_URL`);
  };
  return {
    url,
    dbName,
    stop: () => unsupported("stop"),
    kill: () => unsupported("kill"),
    restart: () => unsupported("restart"),
    async cleanup() {
      const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
      try {
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

async function startFerret(
  storageIn: (dir: string) => Promise<FerretStorage>,
  opts: StartMongoOptions,
): Promise<MongoServer> {
  const bin = toolBinary("ferretdb", "FERRETDB_BIN");
  const ownsDir = opts.dataDir === undefined;
  const dir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), "ai-jobs-ferretdb-")));
  const removeDir = () => (ownsDir ? rm(dir, { recursive: true, force: true }) : Promise.resolve());
  let storage: FerretStorage;
  try {
    storage = await storageIn(dir);
  } catch (err) {
    await removeDir();
    throw err;
  }
  let port = opts.port ?? (await freePort());
  const url = () => `mongodb://127.0.0.1:${port}/`;

  const launch = async (): Promise<Child> => {
    const child = startChildWith(
      {
        name: "ferretdb",
        command: bin,
        args: [...storage.args, ...ferretListenArgs(port), "--telemetry=disable", `--state-dir=${dir}`],
        maxLines: 500,
      },
      opts.process,
    );
    await waitUntilReady(child, async () => (await canConnect(port)) && (await mongoPing(url())), {
      what: `FerretDB to answer ping on 127.0.0.1:${port}`,
      timeoutMs: READY_TIMEOUT_MS,
    });
    return child;
  };

  let child: Child;
  try {
    child = await launchWithPortRetry(launch, async () => {
      if (opts.port === undefined) port = await freePort();
    });
  } catch (err) {
    await storage.cleanup();
    await removeDir();
    throw err;
  }

  return {
    url: url(),
    dbName: opts.database ?? uniqueDbName(),
    async stop() {
      await child.stop();
    },
    async kill() {
      await child.signal("SIGKILL");
    },
    async restart() {
      await child.stop();
      child = await launch();
    },
    async cleanup() {
      await child.stop();
      try {
        await storage.cleanup();
      } finally {
        await removeDir();
      }
    },
  };
}
