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

export interface Stack {
  nats: NatsServer;
  mongo: MongoServer;
  gatewayUrl: string;
  eventsUrl: string;
  services: Record<"gateway" | "events" | "planner" | "ingestor", ServiceProcess>;
  stop(): Promise<void>;
}

/** The built entry point when `tsc -b` has run (as in `npm test`), else the TypeScript source through tsx. */
function entryOf(service: string): string {
  const built = path.join(repoRoot(), "services", service, "dist", "main.js");
  return existsSync(built) ? built : path.join(repoRoot(), "services", service, "src", "main.ts");
}

/** Starts NATS, MongoDB (or FerretDB) and the four services as separate processes, each on a free port. */
export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  const [nats, mongo] = await Promise.all([startNats(), startMongo()]);
  const [gatewayPort, eventsPort, plannerPort, ingestorPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const eventsUrl = `http://127.0.0.1:${eventsPort}`;
  const common = {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: mongo.dbName,
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    ...extraEnv,
  };
  const spawn = (name: string, env: Record<string, string>, readyPort: number) =>
    spawnService({
      name,
      entry: entryOf(name),
      env: { ...common, ...env },
      readyUrl: `http://127.0.0.1:${readyPort}/readyz`,
    });
  // Workers and events first: the gateway is the last thing a client can reach.
  const [events, planner, ingestor] = await Promise.all([
    spawn("events", { PORT: String(eventsPort), AUTH_TOKENS, SSE_KEEPALIVE_MS: "1000" }, eventsPort),
    spawn("planner", { HEALTH_PORT: String(plannerPort) }, plannerPort),
    spawn("ingestor", { HEALTH_PORT: String(ingestorPort) }, ingestorPort),
  ]);
  const gateway = await spawn(
    "gateway",
    { PORT: String(gatewayPort), AUTH_TOKENS, EVENTS_URL: eventsUrl },
    gatewayPort,
  );
  const services = { gateway, events, planner, ingestor };
  return {
    nats,
    mongo,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    eventsUrl,
    services,
    async stop() {
      await Promise.all(Object.values(services).map((s) => s.kill("SIGTERM")));
      await Promise.all([nats.cleanup(), mongo.cleanup()]);
    },
  };
}
