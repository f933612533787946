import http from "node:http";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Db } from "mongodb";
import type { Registry } from "prom-client";
import type { Logger } from "./logger.js";

export type ReadinessCheck = () => Promise<void>;
export type ReadinessChecks = Record<string, ReadinessCheck>;

const CHECK_TIMEOUT_MS = 1_500;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** A round trip to the broker: a connection object that exists but cannot reach NATS is not ready. */
export const natsCheck =
  (nc: NatsConnection): ReadinessCheck =>
  async () => {
    if (nc.isClosed()) throw new Error("nats connection closed");
    await withTimeout(nc.flush(), CHECK_TIMEOUT_MS, "nats");
  };

export const mongoCheck =
  (db: Db): ReadinessCheck =>
  async () => {
    await withTimeout(db.command({ ping: 1 }), CHECK_TIMEOUT_MS, "mongodb");
  };

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export async function runReadiness(checks: ReadinessChecks): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await check();
        return [name, { ok: true }] as const;
      } catch (err) {
        return [name, { ok: false, detail: err instanceof Error ? err.message : String(err) }] as const;
      }
    }),
  );
  return { ready: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
}

/**
 * `/healthz` (the process is alive), `/readyz` (its dependencies answer) and `/metrics` (Prometheus) for services
 * with no HTTP API of their own. `draining()` makes readyz fail during shutdown so a load balancer stops routing first.
 */
export function startHealthServer(opts: {
  host: string;
  port: number;
  checks: ReadinessChecks;
  log: Logger;
  draining?: () => boolean;
  metrics?: Registry;
}): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return send(res, 200, { status: "ok" });
    if (path === "/metrics" && opts.metrics) {
      const body = await opts.metrics.metrics();
      res.writeHead(200, { "content-type": opts.metrics.contentType });
      return res.end(body);
    }
    if (path === "/readyz") {
      const report = await runReadiness(opts.checks);
      const ready = report.ready && !opts.draining?.();
      return send(res, ready ? 200 : 503, { status: ready ? "ready" : "not_ready", ...report });
    }
    send(res, 404, { status: "not_found" });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      opts.log.info({ port: opts.port }, "health server listening");
      resolve(server);
    });
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
