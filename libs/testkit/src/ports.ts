import net from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; there is a small race until it is bound). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : undefined;
      server.close(() =>
        port === undefined ? reject(new Error("testkit: could not allocate a port")) : resolve(port),
      );
    });
  });
}

/** True when something accepts TCP connections on host:port (default host 127.0.0.1). */
export function canConnect(port: number, opts: { host?: string; timeoutMs?: number } = {}): Promise<boolean> {
  const { host = "127.0.0.1", timeoutMs = 1_000 } = opts;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Launches a server on ports from freePort(), and once more on fresh ports when another process took one between
 * freePort() and the bind ("address already in use"). `freshPorts` picks the new ports before the second try.
 */
export async function launchWithPortRetry<T>(launch: () => Promise<T>, freshPorts: () => Promise<void>): Promise<T> {
  try {
    return await launch();
  } catch (err) {
    if (!(err instanceof Error && /address already in use/i.test(err.message))) throw err;
    await freshPorts();
    return launch();
  }
}
