import type { Server } from "node:http";
import { Counter, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeInternalServer, startInternalServer } from "./health.js";
import { createLogger } from "./logger.js";

/** What a failing dependency says: a probe must not repeat it to whoever asks. */
const SECRET_DETAIL = "connect ECONNREFUSED mongo-primary.internal:27017";

let server: Server;
let base: string;
let draining = false;

beforeAll(async () => {
  const metrics = new Registry();
  new Counter({ name: "internal_test_total", help: "a sample", registers: [metrics] }).inc();
  server = await startInternalServer({
    host: "127.0.0.1",
    port: 0,
    checks: {
      nats: async () => undefined,
      mongo: async () => {
        throw new Error(SECRET_DETAIL);
      },
    },
    log: createLogger({ service: "test", instanceId: "t", level: "silent" }),
    draining: () => draining,
    metrics,
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on a port");
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await closeInternalServer(server);
});

describe("the internal listener (every service's: workers on HEALTH_PORT)", () => {
  it("answers /readyz with not ready and nothing about why", async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: "not_ready" });
    expect(text).not.toContain("ECONNREFUSED");
  });

  it("gives the reasons on /health, with the draining state", async () => {
    draining = true;
    try {
      const res = await fetch(`${base}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: "not_ready",
        draining: true,
        ready: false,
        checks: { nats: { ok: true }, mongo: { ok: false, detail: SECRET_DETAIL } },
      });
    } finally {
      draining = false;
    }
  });

  it("serves /metrics and /healthz, and 404 elsewhere", async () => {
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("internal_test_total 1");
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
