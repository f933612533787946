import { existsSync } from "node:fs";
import path from "node:path";
import {
  freePort,
  type MongoServer,
  type NatsServer,
  repoRoot,
  type ServiceProcess,
  spawnService,
  startMongo,
  startNats,
} from "@ai-jobs/testkit";

export const TOKEN = "e2e-token";
export const OTHER_TOKEN = "other-token";
export const AUTH_TOKENS = `${TOKEN}:acme:admin,${OTHER_TOKEN}:globex:user`;

export type ServiceName = "gateway" | "events" | "planner" | "ingestor";

/** A call to the stack's gateway as TOKEN's tenant; the body parsed as JSON (empty: `{}`). */
export async function gatewayCall(
  stack: Pick<Stack, "gatewayUrl">,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.gatewayUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export interface Stack {
  nats: NatsServer;
  mongo: MongoServer;
  gatewayUrl: string;
  eventsUrl: string;
  services: Record<ServiceName, ServiceProcess>;
  /** Starts one more process of a service (a second planner, or a replacement), on a port of its own. */
  spawn(name: ServiceName, env?: Record<string, string>): Promise<ServiceProcess>;
  /** The base URL of a process's HTTP port (the API, or a worker's health and metrics port). */
  urlOf(proc: ServiceProcess): string;
  /** Stops a service's current process (SIGTERM, or SIGKILL) and starts a fresh one on the same port. */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** The built entry point when `tsc -b` has run (as in `npm test`), else the TypeScript source through tsx. */
function entryOf(service: string): string {
  const built = path.join(repoRoot(), "services", service, "dist", "main.js");
  return existsSync(built) ? built : path.join(repoRoot(), "services", service, "src", "main.ts");
}

/**
 * Starts NATS, MongoDB (or FerretDB) and the four services as separate processes, each on a free port.
 * `extraEnv` goes to every service (e.g. a short JOBS_ACK_WAIT_MS for crash-recovery tests).
 */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const [gatewayPort, eventsPort] = await Promise.all([freePort(), freePort()]);
  const eventsUrl = `http://127.0.0.1:${eventsPort}`;
  const common = {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    ...extraEnv,
  };
  const ports = new Map<ServiceName, number>([
    ["gateway", gatewayPort],
    ["events", eventsPort],
  ]);
  const envOf = (name: ServiceName, port: number): Record<string, string> => {
    switch (name) {
      case "gateway":
        return { PORT: String(port), AUTH_TOKENS, EVENTS_URL: eventsUrl };
      case "events":
        return { PORT: String(port), AUTH_TOKENS, SSE_KEEPALIVE_MS: "1000" };
      case "planner":
      case "ingestor":
        return { HEALTH_PORT: String(port) };
    }
  };
  const all: ServiceProcess[] = [];
  const urls = new Map<ServiceProcess, string>();
  const launch = async (name: ServiceName, port: number, env: Record<string, string> = {}) => {
    const proc = await spawnService({
      name,
      entry: entryOf(name),
      env: { ...common, ...envOf(name, port), ...env },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    all.push(proc);
    urls.set(proc, `http://127.0.0.1:${port}`);
    return proc;
  };
  const spawn = async (name: ServiceName, env?: Record<string, string>) => launch(name, await freePort(), env);

  // Workers and events first: the gateway is the last thing a client can reach.
  const [events, planner, ingestor] = await Promise.all([
    launch("events", eventsPort),
    freePort().then(async (port) => {
      ports.set("planner", port);
      return launch("planner", port);
    }),
    freePort().then(async (port) => {
      ports.set("ingestor", port);
      return launch("ingestor", port);
    }),
  ]);
  const gateway = await launch("gateway", gatewayPort);
  const services: Record<ServiceName, ServiceProcess> = { gateway, events, planner, ingestor };
  return {
    nats,
    mongo,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    eventsUrl,
    services,
    spawn,
    urlOf(proc) {
      const url = urls.get(proc);
      if (url === undefined) throw new Error(`${proc.name} (pid ${proc.pid}) was not started by this stack`);
      return url;
    },
    async restart(name, signal = "SIGTERM") {
      await services[name].kill(signal);
      const port = ports.get(name);
      if (port === undefined) throw new Error(`no port for ${name}`);
      services[name] = await launch(name, port);
      return services[name];
    },
    async stop() {
      await Promise.all(all.map((s) => s.kill("SIGTERM")));
      await Promise.all([nats.cleanup(), mongo.cleanup()]);
    },
  };
}
