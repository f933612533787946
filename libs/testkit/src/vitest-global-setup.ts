import { mongoBackend } from "./mongo-backend.js";
import { startEphemeralPostgres } from "./shared-postgres.js";

/**
 * vitest globalSetup: one embedded PostgreSQL for the whole test run, handed to the forked test workers as PG_URL
 * (they inherit this process's environment when they start); each suite's startMongo() makes its own database on
 * it. Nothing is started when MONGO_URL or PG_URL is set, or FERRETDB_BACKEND=sqlite. On SIGINT/SIGTERM vitest
 * exits at once and the server gets its SIGINT from the exit hook in postgres.ts; its temp data dir is then left
 * behind, like the temp dirs of the suites' servers.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (mongoBackend() !== "postgresql" || process.env.PG_URL) return async () => undefined;
  const server = await startEphemeralPostgres();
  process.env.PG_URL = server.url;
  return async () => {
    delete process.env.PG_URL;
    await server.stop();
  };
}
