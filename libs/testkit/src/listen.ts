/**
 * Where the servers the testkit starts listen: the loopback interface only, for tests and `npm run dev` alike (the
 * dev stack runs with a known admin token, `dev-token`, and no TLS). test/dev-listeners.test.ts holds them to it.
 */

export const LOOPBACK = "127.0.0.1";

/** nats-server's flags: client port and monitoring port (which follows `-a`) on loopback, JetStream in `storeDir`. */
export function natsArgs(opts: { port: number; monitorPort: number; storeDir: string }): string[] {
  return ["-a", LOOPBACK, "-p", String(opts.port), "-js", "-sd", opts.storeDir, "-m", String(opts.monitorPort)];
}

/** FerretDB's listener and its debug (metrics, pprof) listener on loopback. */
export function ferretListenArgs(port: number): string[] {
  return [`--listen-addr=${LOOPBACK}:${port}`, `--debug-addr=${LOOPBACK}:0`];
}
