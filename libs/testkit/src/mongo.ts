import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MongoClient } from "mongodb";
import { toolBinary } from "./bin.js";
import { type Child, startChild } from "./child.js";
import { canConnect, freePort, launchWithPortRetry } from "./ports.js";
import { waitUntilReady } from "./ready.js";

export interface MongoServer {
  /** A MongoDB connection string (no database in the path: use `dbName`). */
  url: string;
  /** A database name unique to this call, so suites never share data. */
  dbName: string;
  /** SIGTERM, and wait for the exit. Unsupported with an external MONGO_URL. */
  stop(): Promise<void>;
  /** SIGKILL, and wait for the exit. Unsupported with an external MONGO_URL. */
  kill(): Promise<void>;
  /** Start again on the same port with the same data dir. Unsupported with an external MONGO_URL. */
  restart(): Promise<void>;
  /** FerretDB: stop and remove the data dir. External MONGO_URL: drop the database. */
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

/**
 * A MongoDB wire endpoint for a test suite: the server at MONGO_URL when it is set, otherwise a FerretDB (SQLite)
 * process on a random port with a temp data dir. FerretDB has no TTL indexes, change streams or transactions.
 */
export async function startMongo(): Promise<MongoServer> {
  const external = process.env.MONGO_URL;
  return external && external.length > 0 ? useExternal(external) : startFerret();
}

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

async function startFerret(): Promise<MongoServer> {
  const bin = toolBinary("ferretdb", "FERRETDB_BIN");
  const dir = await mkdtemp(path.join(os.tmpdir(), "ai-jobs-ferretdb-"));
  let port = await freePort();
  const url = () => `mongodb://127.0.0.1:${port}/`;

  const launch = async (): Promise<Child> => {
    const child = startChild({
      name: "ferretdb",
      command: bin,
      args: [
        "--handler=sqlite",
        `--sqlite-url=file:${dir}/`,
        `--listen-addr=127.0.0.1:${port}`,
        "--debug-addr=127.0.0.1:0",
        "--telemetry=disable",
        `--state-dir=${dir}`,
      ],
      maxLines: 500,
    });
    await waitUntilReady(child, async () => (await canConnect(port)) && (await mongoPing(url())), {
      what: `FerretDB to answer ping on 127.0.0.1:${port}`,
      timeoutMs: READY_TIMEOUT_MS,
    });
    return child;
  };

  let child: Child;
  try {
    child = await launchWithPortRetry(launch, async () => {
      port = await freePort();
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url: url(),
    dbName: uniqueDbName(),
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
      await rm(dir, { recursive: true, force: true });
    },
  };
}
