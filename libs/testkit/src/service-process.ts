import { existsSync } from "node:fs";
import path from "node:path";
import type { NatsService } from "@ai-jobs/runtime";
import type { MongoServer } from "./mongo.js";
import type { NatsServer } from "./nats.js";
import { freePort } from "./ports.js";
import { repoRoot } from "./repo.js";
import { type ServiceProcess, spawnService } from "./service.js";

/** The four services; each is a NATS user of its own when NATS runs with the generated authorization. */
export type ServiceName = NatsService;

/** The services with an API port (`PORT`) and an internal listener (`INTERNAL_PORT`); the others have `HEALTH_PORT`. */
const HTTP_SERVICES: readonly ServiceName[] = ["gateway", "events"];

export interface StartServiceProcessOptions {
  /** The servers it connects to; with `nats.auth`, as its own NATS user. */
  nats: Pick<NatsServer, "url" | "auth">;
  mongo: Pick<MongoServer, "url" | "dbName">;
  /** Settings over the defaults below (`LOG_LEVEL: "info"`, the connections, the listeners on loopback). */
  env?: Record<string, string>;
  /** The API port (a worker's `HEALTH_PORT`); default: a free one. The same port again for a restart in place. */
  port?: number;
  /** The gateway's and the events service's internal listener; default: a free one. */
  internalPort?: number;
  /**
   * `source` (default): `services/<name>/src/main.ts` through tsx, as the code stands. `built-if-present`: its
   * `dist/main.js` when `tsc -b` has built it (as `npm test` does), which starts faster, else the source.
   */
  entry?: "source" | "built-if-present";
}

/** A service process started by startServiceProcess: ready (its `/readyz` answered 200) when it resolves. */
export interface StartedService extends ServiceProcess {
  name: ServiceName;
  /** The API port (a worker's health port). */
  port: number;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The internal listener's base URL (`/metrics`, `/health`); a worker's is its health port, `url`. */
  internalUrl: string;
}

/** `services/<name>/src/main.ts`, or with `built-if-present` its `dist/main.js` if there is one. */
export function serviceEntry(name: ServiceName, entry: StartServiceProcessOptions["entry"] = "source"): string {
  const built = path.join(repoRoot(), "services", name, "dist", "main.js");
  if (entry === "built-if-present" && existsSync(built)) return built;
  return path.join(repoRoot(), "services", name, "src", "main.ts");
}

/**
 * Starts one service as a process of its own, the way a test or a bench needs it: on free loopback ports (or the
 * given ones), connected to `nats` (as its own NATS user when NATS has the generated authorization) and `mongo`, and
 * ready once its `/readyz` answers 200.
 */
export async function startServiceProcess(
  name: ServiceName,
  opts: StartServiceProcessOptions,
): Promise<StartedService> {
  const http = HTTP_SERVICES.includes(name);
  const port = opts.port ?? (await freePort());
  const internalPort = http ? (opts.internalPort ?? (await freePort())) : port;
  const listeners: Record<string, string> = http
    ? { PORT: String(port), INTERNAL_PORT: String(internalPort) }
    : { HEALTH_PORT: String(port) };
  const url = `http://127.0.0.1:${port}`;
  const proc = await spawnService({
    name,
    entry: serviceEntry(name, opts.entry),
    env: {
      NATS_URL: opts.nats.url,
      ...opts.nats.auth?.envOf(name),
      MONGO_URL: opts.mongo.url,
      MONGO_DB: opts.mongo.dbName,
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      ...listeners,
      ...opts.env,
    },
    readyUrl: `${url}/readyz`,
  });
  return { ...proc, name, port, url, internalUrl: `http://127.0.0.1:${internalPort}` };
}
