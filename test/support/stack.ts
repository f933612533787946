import {
  freePort,
  type MongoServer,
  type NatsServer,
  type ServiceName,
  type StartedService,
  startMongo,
  startNats,
  startServiceProcess,
  waitFor,
} from "@ai-jobs/testkit";

export const TOKEN = "e2e-token";
export const OTHER_TOKEN = "other-token";
export const AUTH_TOKENS = `${TOKEN}:acme:admin,${OTHER_TOKEN}:globex:user`;

export type { ServiceName };

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

/** A job as the stack's gateway shows it to TOKEN's tenant. */
export async function jobOf(stack: Pick<Stack, "gatewayUrl">, jobId: string): Promise<Record<string, unknown>> {
  return (await gatewayCall(stack, `/api/ai/jobs/${jobId}/`)).body;
}

/** Polls the job through the gateway until it has `status`; resolves with it as read then. */
export function untilStatus(
  stack: Pick<Stack, "gatewayUrl">,
  jobId: string,
  status: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  return waitFor(
    async () => {
      const job = await jobOf(stack, jobId);
      return job.status === status ? job : undefined;
    },
    { what: `job ${jobId} to be ${status}`, timeoutMs, intervalMs: 100 },
  );
}

export interface Stack {
  nats: NatsServer;
  mongo: MongoServer;
  gatewayUrl: string;
  eventsUrl: string;
  services: Record<ServiceName, StartedService>;
  /** Starts one more process of a service (a second planner, or a replacement), on a port of its own. */
  spawn(name: ServiceName, env?: Record<string, string>): Promise<StartedService>;
  /** Stops a service's current process (SIGTERM, or SIGKILL) and starts a fresh one on the same port. */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<StartedService>;
  /** Kills every process (see Services.stop), then stops NATS and MongoDB and removes their data. */
  stop(): Promise<void>;
}

export interface Services {
  gatewayUrl: string;
  eventsUrl: string;
  processes: Partial<Record<ServiceName, StartedService>>;
  /** Starts one more process of a service on a port of its own. */
  spawn(name: ServiceName, env?: Record<string, string>): Promise<StartedService>;
  /** Stops a service's current process (SIGTERM, or SIGKILL) and starts a fresh one on the same port. */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<StartedService>;
  /** Starts a fresh process of a service on its port (whatever ran there must be stopped already). */
  relaunch(name: ServiceName): Promise<StartedService>;
  /**
   * Kills every process it started (SIGKILL): the end of a suite or a bench row, where nothing is asserted any more. A
   * graceful stop takes seconds (a worker waits out its idle pulls, the events service its consumers) and is tested
   * where it is asserted: SIGTERM through `restart` or a process's own `kill("SIGTERM")`.
   */
  stop(): Promise<void>;
}

/**
 * Starts some of the services as separate processes against a NATS and a MongoDB that are already up, each on a
 * free port, all at once; resolves when every one is ready, so a client reaches none before all are. `extraEnv` goes
 * to every service, over the stack's own settings (AUTH_TOKENS, say).
 */
export async function startServices(
  nats: Pick<NatsServer, "url" | "auth">,
  mongo: Pick<MongoServer, "url" | "dbName">,
  names: readonly ServiceName[],
  extraEnv: Record<string, string> = {},
): Promise<Services> {
  const [gatewayPort, eventsPort] = await Promise.all([freePort(), freePort()]);
  const eventsUrl = `http://127.0.0.1:${eventsPort}`;
  const ports = new Map<ServiceName, number>([
    ["gateway", gatewayPort],
    ["events", eventsPort],
  ]);
  const envOf: Record<ServiceName, Record<string, string>> = {
    gateway: { AUTH_TOKENS, EVENTS_URL: eventsUrl },
    events: { AUTH_TOKENS, SSE_KEEPALIVE_MS: "1000" },
    planner: {},
    ingestor: {},
  };
  const all: StartedService[] = [];
  const launch = async (name: ServiceName, port: number, env: Record<string, string> = {}) => {
    // The built entry point when `tsc -b` has run (as in `npm test`): four processes start faster without tsx.
    const proc = await startServiceProcess(name, {
      nats,
      mongo,
      port,
      env: { ...envOf[name], ...extraEnv, ...env },
      entry: "built-if-present",
    });
    all.push(proc);
    return proc;
  };
  const portOf = async (name: ServiceName) => {
    const known = ports.get(name);
    if (known !== undefined) return known;
    const port = await freePort();
    ports.set(name, port);
    return port;
  };

  const processes: Partial<Record<ServiceName, StartedService>> = {};
  await Promise.all(
    names.map(async (name) => {
      processes[name] = await launch(name, await portOf(name));
    }),
  );
  return {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    eventsUrl,
    processes,
    spawn: async (name, env) => launch(name, await freePort(), env),
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
      await Promise.all(all.map((s) => s.kill("SIGKILL")));
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
  const services: Record<ServiceName, StartedService> = { gateway, events, planner, ingestor };
  return {
    nats,
    mongo,
    gatewayUrl: started.gatewayUrl,
    eventsUrl: started.eventsUrl,
    services,
    spawn: started.spawn,
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
