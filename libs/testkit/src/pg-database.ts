import pg from "pg";
import { installGinTwins } from "./gin-twins.js";

/** `serverUrl` (any database) with its database replaced by `name`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * FerretDB's pool of PostgreSQL connections (its default is 50). FerretDB 1.24 holds one connection per matching
 * statement of an `update` command until the command ends, so matching statements in flight beyond the pool hang
 * it for good (docs/ARCHITECTURE.md); 100 is the limit its SQLite backend has, which `bulkWriteInSlices` assumes.
 */
export const FERRET_POOL_MAX_CONNS = 100;

/**
 * Makes `name` a database ready for FerretDB: created unless it exists, with custom plans (the GIN twins need them,
 * and an external PG_URL server's own setting is not ours to change) and the GIN twin trigger. Returns the URL to
 * give FerretDB's `--postgresql-url` (with its pool size). Needs a superuser URL.
 */
export async function prepareFerretDatabase(
  serverUrl: string,
  name: string,
  opts: { ginTwins?: boolean } = {},
): Promise<string> {
  await withClient(serverUrl, async (client) => {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    const ident = client.escapeIdentifier(name);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${ident} ENCODING 'UTF8' TEMPLATE template0`);
    await client.query(`ALTER DATABASE ${ident} SET plan_cache_mode = force_custom_plan`);
  });
  const url = databaseUrl(serverUrl, name);
  if (opts.ginTwins ?? true) await withClient(url, installGinTwins);
  const ferretUrl = new URL(url);
  ferretUrl.searchParams.set("pool_max_conns", String(FERRET_POOL_MAX_CONNS));
  return ferretUrl.toString();
}

/** Drops `name`, closing whatever connections are still open to it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** The server's version, e.g. "16.14". */
export async function postgresVersion(serverUrl: string): Promise<string> {
  const res = await withClient(serverUrl, (client) => client.query<{ server_version: string }>("SHOW server_version"));
  return res.rows[0]?.server_version.split(" ")[0] ?? "?";
}
