import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { toolBinary } from "./bin.js";
import { postgresVersion } from "./pg-database.js";
import { embeddedPostgresVersion } from "./postgres.js";

/** What startMongo() gives: an external server, or FerretDB on one of its two backends. */
export type MongoBackend = "external" | "postgresql" | "sqlite";

/** MONGO_URL wins; otherwise FERRETDB_BACKEND (`postgresql`, the default, or `sqlite`). */
export function mongoBackend(env: NodeJS.ProcessEnv = process.env): MongoBackend {
  if (env.MONGO_URL) return "external";
  const backend = env.FERRETDB_BACKEND || "postgresql";
  if (backend === "postgresql" || backend === "sqlite") return backend;
  throw new Error(`testkit: FERRETDB_BACKEND must be "postgresql" or "sqlite", not "${backend}"`);
}

async function ferretVersion(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(toolBinary("ferretdb", "FERRETDB_BIN"), ["--version"]);
    return stdout.match(/version: v(\S+)/)?.[1] ?? "?";
  } catch {
    return "?";
  }
}

/**
 * The store startMongo() uses, for benchmark reports: "FerretDB 1.24.2 on PostgreSQL 16.14",
 * "FerretDB 1.24.2 on SQLite" or "MONGO_URL".
 */
export async function mongoBackendLabel(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const backend = mongoBackend(env);
  if (backend === "external") return "MONGO_URL";
  const ferret = `FerretDB ${await ferretVersion()}`;
  if (backend === "sqlite") return `${ferret} on SQLite`;
  const pgVersion = env.PG_URL ? await postgresVersion(env.PG_URL).catch(() => "?") : embeddedPostgresVersion();
  return `${ferret} on PostgreSQL ${pgVersion}`;
}
