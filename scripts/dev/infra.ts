// NATS (JetStream) and FerretDB over PostgreSQL for `npm run dev`, through the testkit's starters with the dev
// stack's persistent dirs, preferred ports and log files; or the servers NATS_URL, MONGO_URL and PG_URL point at.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type NatsService, nkeyEnvOf } from "@ai-jobs/runtime";
import { canConnect, mongoBackend, startMongo, startNats, startPostgresProcess } from "@ai-jobs/testkit";
import { c, print, say } from "./console.js";
import type { Processes } from "./processes.js";
import { type DevSettings, infraPort, shown } from "./settings.js";

/** The PostgreSQL database FerretDB stores into, and the services' MONGO_DB. */
export const DEV_DATABASE = "ai_jobs_dev";

const PREFERRED_PORTS = { nats: 4333, ferretdb: 27027, postgres: 54320 };

export interface DevNats {
  url: string;
  /** What a service needs to connect as its own NATS user. */
  envOf(service: NatsService): Record<string, string>;
}

const matches = (re: RegExp) => (line: string) => re.test(line);

/** `name | ready on …`, unless the stack is stopping already. */
function ready(procs: Processes, name: string, where: string): void {
  if (!procs.stopping) print(name, c.green(`ready on ${where}`));
}

/** Our own nats-server, with the generated authorization block and fresh NKEYs for every run; or NATS_URL. */
export async function startDevNats(settings: DevSettings, procs: Processes): Promise<DevNats> {
  if (settings.natsUrl) {
    say(`NATS: using NATS_URL=${settings.natsUrl}`);
    await warnIfUnreachable("NATS", settings.natsUrl, 4222);
    // Each service's seed from the environment, if given (a server without auth needs none).
    return {
      url: settings.natsUrl,
      envOf: (service): Record<string, string> => {
        const seed = process.env[`${nkeyEnvOf(service)}_SEED`];
        return seed ? { NATS_NKEY_SEED: seed } : {};
      },
    };
  }
  const storeDir = path.join(settings.devDir, "nats");
  const logFile = path.join(settings.logDir, "nats.log");
  mkdirSync(storeDir, { recursive: true });
  const nats = await startNats({
    port: await infraPort(settings, PREFERRED_PORTS.nats),
    storeDir,
    auth: true,
    process: procs.run("nats", "infra", { show: matches(/\[(WRN|ERR|FTL)\]/), logFile }),
  });
  procs.afterStop(() => nats.cleanup()); // its config file (the store dir stays)
  ready(procs, "nats", `${nats.url} (store ${shown(settings, storeDir)}, log ${shown(settings, logFile)})`);
  const auth = nats.auth;
  if (auth === undefined) throw new Error("startNats({ auth: true }) returned no credentials");
  return { url: nats.url, envOf: (service) => auth.envOf(service) };
}

/** The embedded PostgreSQL (data in DEV_DIR/pg) in a helper process; resolves with its superuser URL. */
async function startDevPostgres(settings: DevSettings, procs: Processes): Promise<string> {
  const dataDir = path.join(settings.devDir, "pg");
  const logFile = path.join(settings.logDir, "postgres.log");
  const pg = await startPostgresProcess({
    dataDir,
    port: await infraPort(settings, PREFERRED_PORTS.postgres),
    process: procs.run("postgres", "store", {
      show: (line) => !line.startsWith("ready ") && /\b(ERROR|FATAL|PANIC)\b|closed to the postgres/.test(line),
      logFile,
    }),
  });
  const port = new URL(pg.url).port;
  ready(procs, "postgres", `127.0.0.1:${port} (data ${shown(settings, dataDir)}, log ${shown(settings, logFile)})`);
  return pg.url;
}

/**
 * FerretDB (state in DEV_DIR/ferretdb) over PG_URL or the embedded PostgreSQL, or over SQLite in DEV_DIR/ferretdb
 * with FERRETDB_BACKEND=sqlite; or MONGO_URL.
 */
export async function startDevMongo(settings: DevSettings, procs: Processes): Promise<string> {
  if (settings.mongoUrl) {
    say(`MongoDB: using MONGO_URL=${settings.mongoUrl}`);
    await warnIfUnreachable("MongoDB", settings.mongoUrl, 27017);
    return settings.mongoUrl;
  }
  const backend = mongoBackend(process.env); // throws on a FERRETDB_BACKEND it does not know
  if (backend === "postgresql" && settings.pgUrl) say("PostgreSQL: using PG_URL for FerretDB");
  const dataDir = path.join(settings.devDir, "ferretdb");
  const logFile = path.join(settings.logDir, "ferretdb.log");
  mkdirSync(dataDir, { recursive: true });
  const mongo = await startMongo({
    port: await infraPort(settings, PREFERRED_PORTS.ferretdb),
    dataDir,
    database: DEV_DATABASE,
    acquirePostgres: async () => ({
      url: settings.pgUrl ?? (await startDevPostgres(settings, procs)),
      release: async () => undefined,
    }),
    // FerretDB warns on every dropped client connection: only errors reach the console.
    process: procs.run("ferretdb", "infra", { show: matches(/\b(ERROR|DPANIC|PANIC|FATAL)\b/), logFile }),
  });
  const over = backend === "sqlite" ? `SQLite in ${shown(settings, dataDir)}` : "PostgreSQL";
  ready(procs, "ferretdb", `${mongo.url} (over ${over}, log ${shown(settings, logFile)})`);
  return mongo.url;
}

/** `host:port` of a server URL (its first host for a list), or undefined when it does not parse. */
function hostPort(url: string, fallbackPort: number): { host: string; port: number } | undefined {
  try {
    const u = new URL(url.includes("://") ? (url.split(",")[0] ?? url) : `x://${url}`);
    return { host: u.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1", port: Number(u.port) || fallbackPort };
  } catch {
    return undefined;
  }
}

async function warnIfUnreachable(name: string, url: string, fallbackPort: number): Promise<void> {
  const hp = hostPort(url, fallbackPort);
  if (hp && !(await canConnect(hp.port, { host: hp.host })))
    say(c.yellow(`warning: ${name} at ${url} is not reachable yet`));
}
