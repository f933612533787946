// What `npm run dev` reads from its environment (README.md, "Local stack and tests").
import net from "node:net";
import path from "node:path";
import { freePort } from "@ai-jobs/testkit";
import { DEFAULT_SERVICE_PORTS, type ServicePorts } from "./listeners.js";

export interface DevSettings {
  /** The repository root. */
  root: string;
  /** Data (nats, ferretdb, pg) and logs: DEV_DIR, default `<root>/.dev`. */
  devDir: string;
  logDir: string;
  /** External servers instead of our own. */
  natsUrl: string | undefined;
  mongoUrl: string | undefined;
  pgUrl: string | undefined;
  authTokens: string;
  /** DEV_RANDOM_PORTS=1: every port but the gateway's is a free one (a second stack beside the first, tests). */
  randomPorts: boolean;
  gatewayPort: number;
}

export function readSettings(root: string, env: NodeJS.ProcessEnv = process.env): DevSettings {
  const devDir = path.resolve(root, env.DEV_DIR || ".dev");
  const gatewayPort = Number(env.GATEWAY_PORT || DEFAULT_SERVICE_PORTS.gateway);
  if (!Number.isInteger(gatewayPort) || gatewayPort < 1 || gatewayPort > 65_535) {
    throw new Error(`GATEWAY_PORT must be a port number, not "${env.GATEWAY_PORT}"`);
  }
  return {
    root,
    devDir,
    logDir: path.join(devDir, "logs"),
    natsUrl: env.NATS_URL || undefined,
    mongoUrl: env.MONGO_URL || undefined,
    pgUrl: env.PG_URL || undefined,
    authTokens: env.AUTH_TOKENS || "dev-token:demo:admin",
    randomPorts: env.DEV_RANDOM_PORTS === "1",
    gatewayPort,
  };
}

/** `file` for messages: relative to the repository when inside it (`.dev/nats`), absolute otherwise. */
export function shown(settings: DevSettings, file: string): string {
  const relative = path.relative(settings.root, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * An infrastructure port: `preferred` while it is free (and ports are not random); otherwise undefined, for the
 * testkit to pick a free one (and pick again should another process take it first).
 */
export async function infraPort(settings: DevSettings, preferred: number): Promise<number | undefined> {
  return !settings.randomPorts && (await portFree(preferred)) ? preferred : undefined;
}

/** The services' ports: the fixed ones (GATEWAY_PORT for the gateway), or free ones but the gateway's. */
export async function servicePorts(settings: DevSettings): Promise<ServicePorts> {
  const fixed = { ...DEFAULT_SERVICE_PORTS, gateway: settings.gatewayPort };
  if (!settings.randomPorts) return fixed;
  // Distinct: the OS may hand out a port it handed out a moment ago, now closed again.
  const taken = new Set([fixed.gateway]);
  const free = async () => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  return {
    gateway: fixed.gateway,
    gatewayInternal: await free(),
    events: await free(),
    eventsInternal: await free(),
    planner: await free(),
    ingestor: await free(),
  };
}
