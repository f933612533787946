import http from "node:http";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Db } from "mongodb";
import type { Registry } from "prom-client";
import type { Logger } from "./logger.js";
import { withoutTrailingSlashes } from "./trailing-slashes.js";

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

/** What a probe may learn: ok or not, nothing about why (dependency errors go to the internal `/health` only). */
export function probeAnswer(ready: boolean): { code: 200 | 503; body: { status: "ready" | "not_ready" } } {
  return ready ? { code: 200, body: { status: "ready" } } : { code: 503, body: { status: "not_ready" } };
}

/** `/readyz` on every listener: ready while every check passes and the process is not draining. */
export async function readyzAnswer(
  checks: ReadinessChecks,
  draining: boolean,
): Promise<ReturnType<typeof probeAnswer>> {
  const report = await runReadiness(checks);
  return probeAnswer(report.ready && !draining);
}

/** The detailed report of the internal `/health`: every check with its error, and whether the process drains. */
export async function detailedHealth(
  checks: ReadinessChecks,
  draining: boolean,
): Promise<{ ok: boolean; body: ReadinessReport & { status: string; draining: boolean } }> {
  const report = await runReadiness(checks);
  const ok = report.ready && !draining;
  return { ok, body: { status: ok ? "ready" : "not_ready", draining, ...report } };
}

export interface InternalServerOptions {
  host: string;
  port: number;
  checks: ReadinessChecks;
  log: Logger;
  draining?: () => boolean;
  metrics?: Registry;
  /** Replaces the default `/health` body (the gateway's dependencies and queue depths). */
  health?: () => Promise<{ ok: boolean; body: unknown }>;
}

/**
 * Every service's internal listener (INTERNAL_PORT on the gateway and events, HEALTH_PORT on the workers), never
 * published: `/healthz` and `/readyz` (probes: ok or not, nothing more), `/health` (dependency errors, draining,
 * queue depths) and `/metrics` (Prometheus). `draining()` makes readyz fail during shutdown so a load balancer stops
 * routing first.
 */
export function startInternalServer(opts: InternalServerOptions): Promise<http.Server> {
  const draining = () => opts.draining?.() ?? false;
  const health = opts.health ?? (() => detailedHealth(opts.checks, draining()));
  const server = http.createServer(async (req, res) => {
    const path = withoutTrailingSlashes((req.url ?? "/").split("?")[0] ?? "") || "/";
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { status: "method_not_allowed" });
    if (path === "/healthz") return send(res, 200, { status: "ok" });
    if (path === "/metrics" && opts.metrics) {
      const body = await opts.metrics.metrics();
      res.writeHead(200, { "content-type": opts.metrics.contentType });
      return res.end(body);
    }
    if (path === "/readyz") {
      const answer = await readyzAnswer(opts.checks, draining());
      return send(res, answer.code, answer.body);
    }
    if (path === "/health") {
      const view = await health();
      return send(res, view.ok ? 200 : 503, view.body);
    }
    send(res, 404, { status: "not_found" });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : opts.port;
      opts.log.info({ host: opts.host, port }, "internal server listening (health, metrics)");
      resolve(server);
    });
  });
}

/** Closes the internal listener, its idle keep-alive connections too. */
export function closeInternalServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
