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
  /** The base URL of a process's internal listener (`/metrics`, `/health`): INTERNAL_PORT, or a worker's HEALTH_PORT. */
  internalUrlOf(proc: ServiceProcess): string;
  /** Stops a service's current process (SIGTERM, or SIGKILL) and starts a fresh one on the same port. */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** The built entry point when `tsc -b` has run (as in `npm test`), else the TypeScript source through tsx. */
export function entryOf(service: string): string {
  const built = path.join(repoRoot(), "services", service, "dist", "main.js");
  return existsSync(built) ? built : path.join(repoRoot(), "services", service, "src", "main.ts");
}

export interface Services {
  gatewayUrl: string;
  eventsUrl: string;
  processes: Partial<Record<ServiceName, ServiceProcess>>;
  /** Starts one more process of a service on a port of its own. */
  spawn(name: ServiceName, env?: Record<string, string>): Promise<ServiceProcess>;
  urlOf(proc: ServiceProcess): string;
  internalUrlOf(proc: ServiceProcess): string;
  /** Stops a service's current process (SIGTERM, or SIGKILL) and starts a fresh one on the same port. */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<ServiceProcess>;
  /** Starts a fresh process of a service on its port (whatever ran there must be stopped already). */
  relaunch(name: ServiceName): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/**
 * Starts some of the services as separate processes against a NATS and a MongoDB that are already up, each on a
 * free port: workers and events first, the gateway last (the last thing a client can reach). `extraEnv` goes to
 * every service, over the stack's own settings (AUTH_TOKENS, say).
 */
export async function startServices(
  nats: Pick<NatsServer, "url" | "auth">,
  mongo: Pick<MongoServer, "url" | "dbName">,
  names: readonly ServiceName[],
  extraEnv: Record<string, string> = {},
): Promise<Services> {
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
  const envOf = (name: ServiceName, port: number, internalPort: number): Record<string, string> => {
    switch (name) {
      case "gateway":
        return { PORT: String(port), INTERNAL_PORT: String(internalPort), AUTH_TOKENS, EVENTS_URL: eventsUrl };
      case "events":
        return { PORT: String(port), INTERNAL_PORT: String(internalPort), AUTH_TOKENS, SSE_KEEPALIVE_MS: "1000" };
      case "planner":
      case "ingestor":
        return { HEALTH_PORT: String(port) };
    }
  };
  const all: ServiceProcess[] = [];
  const urls = new Map<ServiceProcess, { public: string; internal: string }>();
  const launch = async (name: ServiceName, port: number, env: Record<string, string> = {}) => {
    // Workers have one listener (HEALTH_PORT), which is their internal one.
    const internalPort = name === "gateway" || name === "events" ? await freePort() : port;
    const proc = await spawnService({
      name,
      entry: entryOf(name),
      env: { ...common, ...nats.auth?.envOf(name), ...envOf(name, port, internalPort), ...extraEnv, ...env },
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    });
    all.push(proc);
    urls.set(proc, { public: `http://127.0.0.1:${port}`, internal: `http://127.0.0.1:${internalPort}` });
    return proc;
  };
  const urlsOf = (proc: ServiceProcess) => {
    const known = urls.get(proc);
    if (known === undefined) throw new Error(`${proc.name} (pid ${proc.pid}) was not started by this stack`);
    return known;
  };
  const portOf = async (name: ServiceName) => {
    const known = ports.get(name);
    if (known !== undefined) return known;
    const port = await freePort();
    ports.set(name, port);
    return port;
  };

  const processes: Partial<Record<ServiceName, ServiceProcess>> = {};
  const first = names.filter((n) => n !== "gateway");
  await Promise.all(
    first.map(async (name) => {
      processes[name] = await launch(name, await portOf(name));
    }),
  );
  if (names.includes("gateway")) processes.gateway = await launch("gateway", gatewayPort);
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    eventsUrl,
    processes,
    spawn: async (name, env) => launch(name, await freePort(), env),
    urlOf: (proc) => urlsOf(proc).public,
    internalUrlOf: (proc) => urlsOf(proc).internal,
    async restart(name, signal = "SIGTERM") {
      await processes[name]?.kill(signal);
      processes[name] = await launch(name, await portOf(name));
      return processes[name];
    },
    async relaunch(name) {
      processes[name] = await launch(name, await portOf(name));
      return processes[name];
    },
    async stop() {
      await Promise.all(all.map((s) => s.kill("SIGTERM")));
    },
  };
}

/**
 * Starts NATS, MongoDB (or FerretDB) and the four services as separate processes, each on a free port.
 * `extraEnv` goes to every service (e.g. a short JOBS_ACK_WAIT_MS for crash-recovery tests). NATS runs with the
 * generated authorization block and each service connects as its own user: the whole stack works with the narrow
 * permissions, and `nats.violations()` tells whether anything was refused.
 */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const [nats, mongo] = await Promise.all([startNats({ auth: true }), startMongo()]);
  const started = await startServices(nats, mongo, ["events", "planner", "ingestor", "gateway"], extraEnv);
  const { gateway, events, planner, ingestor } = started.processes;
  if (!gateway || !events || !planner || !ingestor) throw new Error("a service did not start");
  const services: Record<ServiceName, ServiceProcess> = { gateway, events, planner, ingestor };
  return {
    nats,
    mongo,
    gatewayUrl: started.gatewayUrl,
    eventsUrl: started.eventsUrl,
    services,
    spawn: started.spawn,
    urlOf: started.urlOf,
    internalUrlOf: started.internalUrlOf,
    async restart(name, signal = "SIGTERM") {
      // The stack's own record: a test may have swapped in another process of the service (a survivor).
      await services[name].kill(signal);
      services[name] = await started.relaunch(name);
      return services[name];
    },
    async stop() {
      await started.stop();
      await Promise.all([nats.cleanup(), mongo.cleanup()]);
    },
  };
}
