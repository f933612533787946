import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";

/** One TCP connection through the proxy, as raw HTTP/1.1 bytes (latin1, so string offsets are byte offsets). */
export interface ProxiedConnection {
  index: number;
  /** Everything the client sent. */
  request: string;
  /** Everything forwarded to the client so far. */
  forwarded: string;
  /** Whether the proxy cut this connection. */
  cut: boolean;
}

/**
 * Where to cut a connection: given the connection so far and the server's next chunk (latin1), the number of the
 * chunk's bytes to forward before both sockets are destroyed, or undefined to forward it whole.
 */
export type CutRule = (connection: ProxiedConnection, chunk: string) => number | undefined;

export interface CutProxy {
  url: string;
  connections: ProxiedConnection[];
  close(): Promise<void>;
}

/** How long a cut connection's last bytes get to reach the client before its socket is destroyed. */
const FLUSH_MS = 100;

/**
 * A TCP proxy in front of `target` (`http://127.0.0.1:port`) that cuts connections where `rule` says: it forwards
 * the bytes up to the cut, destroys the server side at once, and the client side once those bytes had time to
 * arrive, as a load balancer restart or a dropped network path would. Nothing is closed gracefully: the client sees
 * a body that stops in the middle (of an HTTP chunk, even of an SSE message).
 */
export async function startCutProxy(target: string, rule: CutRule): Promise<CutProxy> {
  const { hostname, port } = new URL(target);
  const connections: ProxiedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const connection: ProxiedConnection = { index: connections.length, request: "", forwarded: "", cut: false };
    connections.push(connection);
    const upstream = net.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    client.on("data", (data) => {
      connection.request += data.toString("latin1");
      if (!connection.cut) upstream.write(data);
    });
    upstream.on("data", (data) => {
      if (connection.cut) return;
      const chunk = data.toString("latin1");
      const at = rule(connection, chunk);
      if (at === undefined) {
        connection.forwarded += chunk;
        client.write(data);
        return;
      }
      connection.cut = true;
      connection.forwarded += chunk.slice(0, at);
      upstream.destroy();
      client.write(data.subarray(0, at), () => {
        void delay(FLUSH_MS).then(() => client.destroy());
      });
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => {
      if (!connection.cut) client.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The request's `Last-Event-ID` header, if it had one. */
export function lastEventIdOf(connection: ProxiedConnection): string | undefined {
  const head = connection.request.slice(0, connection.request.indexOf("\r\n\r\n"));
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === "last-event-id") return line.slice(colon + 1).trim();
  }
  return undefined;
}
