/**
 * `npm run dev` runs with the admin token `dev-token`: every listener it starts must be on loopback. The services'
 * settings are checked against their own config schemas, and NATS is started with the flags the testkit gives it
 * (the dev script starts NATS and FerretDB through the testkit).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, repoRoot, waitFor } from "@ai-jobs/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DEFAULT_SERVICE_PORTS,
  ferretListenArgs,
  LOOPBACK,
  natsArgs,
  serviceListeners,
} from "../scripts/dev/listeners.js";
import { configShape as eventsShape } from "../services/events/src/config.js";
import { configShape as gatewayShape } from "../services/gateway/src/config.js";
import { configShape as ingestorShape } from "../services/ingestor/src/config.js";
import { configShape as plannerShape } from "../services/planner/src/config.js";

const SHAPES: Record<string, z.ZodRawShape> = {
  gateway: gatewayShape,
  events: eventsShape,
  planner: plannerShape,
  ingestor: ingestorShape,
};
const REQUIRED = { AUTH_TOKENS: "dev-token:demo:admin" };
const HOST_KEYS = ["HOST", "INTERNAL_HOST"];

const hostsOf = (name: string, env: Record<string, string>) => {
  const shape = SHAPES[name];
  if (!shape) throw new Error(`no config shape for ${name}`);
  const config = z.object(shape).parse({ ...REQUIRED, ...env }) as Record<string, unknown>;
  return HOST_KEYS.filter((k) => k in shape).map((k) => [k, config[k]]);
};

let nats: ChildProcess | undefined;
const storeDir = mkdtempSync(join(tmpdir(), "dev-listeners-"));

afterAll(() => {
  nats?.kill("SIGKILL");
  rmSync(storeDir, { recursive: true, force: true });
});

describe("npm run dev listens on loopback only", () => {
  it("binds every service listener (API, internal, health) to 127.0.0.1", () => {
    const services = serviceListeners(DEFAULT_SERVICE_PORTS);
    expect(services.map((s) => s.name).sort()).toEqual(Object.keys(SHAPES).sort());
    for (const { name, env } of services) {
      for (const [key, host] of hostsOf(name, env)) expect(host, `${name} ${key}`).toBe(LOOPBACK);
    }
  });

  it("has services default to loopback when nothing sets HOST (containers set 0.0.0.0 themselves)", () => {
    for (const name of Object.keys(SHAPES)) {
      for (const [key, host] of hostsOf(name, {})) expect(host, `${name} ${key}`).toBe(LOOPBACK);
    }
  });

  it("binds FerretDB and its debug listener to loopback", () => {
    expect(ferretListenArgs(27027)).toEqual([`--listen-addr=${LOOPBACK}:27027`, `--debug-addr=${LOOPBACK}:0`]);
  });

  it("starts nats-server with its client and monitoring ports on loopback", async () => {
    const [port, monitorPort] = await Promise.all([freePort(), freePort()]);
    nats = spawn(join(repoRoot(), ".tools", "bin", "nats-server"), natsArgs({ port, monitorPort, storeDir }), {
      stdio: "ignore",
    });
    const varz = await waitFor(
      async () => {
        try {
          const res = await fetch(`http://${LOOPBACK}:${monitorPort}/varz`);
          return res.ok ? ((await res.json()) as { host: string; http_host: string; port: number }) : undefined;
        } catch {
          return undefined;
        }
      },
      { what: "nats-server's monitoring port", timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(varz).toMatchObject({ host: LOOPBACK, http_host: LOOPBACK, port });
  });
});
