// Where `npm run dev` listens: every process on the loopback interface only, since the stack runs with a known admin
// token (`dev-token`) and no TLS. Kept apart from dev.mjs so a test can hold it to that.

export const LOOPBACK = "127.0.0.1";

/** nats-server's flags: client port and monitoring port (which follows `-a`) on loopback, JetStream in `storeDir`. */
export function natsArgs({ port, monitorPort, storeDir }) {
  return ["-a", LOOPBACK, "-p", String(port), "-js", "-sd", storeDir, "-m", String(monitorPort)];
}

/** FerretDB's listener and its debug (metrics, pprof) listener on loopback. */
export function ferretListenArgs(port) {
  return [`--listen-addr=${LOOPBACK}:${port}`, `--debug-addr=${LOOPBACK}:0`];
}

/** The four services with their ports, each listener (API, internal, health) bound to loopback. */
export function serviceListeners({ gatewayPort }) {
  const local = { HOST: LOOPBACK, INTERNAL_HOST: LOOPBACK };
  return [
    {
      name: "gateway",
      env: { ...local, PORT: String(gatewayPort), INTERNAL_PORT: "9080", EVENTS_URL: `http://${LOOPBACK}:8081` },
    },
    { name: "events", env: { ...local, PORT: "8081", INTERNAL_PORT: "9081" } },
    { name: "planner", env: { HOST: LOOPBACK, HEALTH_PORT: "8082" } },
    { name: "ingestor", env: { HOST: LOOPBACK, HEALTH_PORT: "8083" } },
  ];
}
