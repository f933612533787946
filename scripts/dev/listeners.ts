// Where `npm run dev` listens: every process on the loopback interface only, since the stack runs with a known admin
// token (`dev-token`) and no TLS. nats-server and FerretDB get the testkit's flags (LOOPBACK, natsArgs,
// ferretListenArgs, re-exported here); test/dev-listeners.test.ts holds all of it to loopback.
import { LOOPBACK } from "@ai-jobs/testkit";

export { ferretListenArgs, LOOPBACK, natsArgs } from "@ai-jobs/testkit";

export type ServiceName = "gateway" | "events" | "planner" | "ingestor";

/** Every port the four services listen on. */
export interface ServicePorts {
  gateway: number;
  gatewayInternal: number;
  events: number;
  eventsInternal: number;
  planner: number;
  ingestor: number;
}

/** The fixed ports of `npm run dev` (the gateway's is GATEWAY_PORT, 8080 by default). */
export const DEFAULT_SERVICE_PORTS: ServicePorts = {
  gateway: 8080,
  gatewayInternal: 9080,
  events: 8081,
  eventsInternal: 9081,
  planner: 8082,
  ingestor: 8083,
};

/** The four services with their ports, each listener (API, internal, health) bound to loopback. */
export function serviceListeners(ports: ServicePorts): { name: ServiceName; env: Record<string, string> }[] {
  const local = { HOST: LOOPBACK, INTERNAL_HOST: LOOPBACK };
  return [
    {
      name: "gateway",
      env: {
        ...local,
        PORT: String(ports.gateway),
        INTERNAL_PORT: String(ports.gatewayInternal),
        EVENTS_URL: `http://${LOOPBACK}:${ports.events}`,
      },
    },
    { name: "events", env: { ...local, PORT: String(ports.events), INTERNAL_PORT: String(ports.eventsInternal) } },
    { name: "planner", env: { HOST: LOOPBACK, HEALTH_PORT: String(ports.planner) } },
    { name: "ingestor", env: { HOST: LOOPBACK, HEALTH_PORT: String(ports.ingestor) } },
  ];
}
