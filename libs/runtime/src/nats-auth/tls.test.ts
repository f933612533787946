import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type NatsServer, startNats } from "@ai-jobs/testkit";
import { nkeyAuthenticator } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseConfigShape, loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { connectNats, provision } from "../nats.js";
import { natsConnectOptions } from "../service.js";

const log = createLogger({ service: "nats-tls-test", instanceId: "t", level: "silent" });
let dir: string;
let caFile: string;
let server: NatsServer;

/**
 * A throwaway CA and a server certificate signed by it, made with the real openssl. nats.js checks a server reached
 * by IP address under the name `localhost`, hence both names.
 */
async function makeCertificates(into: string): Promise<{ ca: string; cert: string; key: string }> {
  const file = (name: string) => path.join(into, name);
  await writeFile(file("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const steps = [
    ["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "1", "-subj", "/CN=test-ca"],
    ["req", ...ec, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1"],
    [
      "x509",
      "-req",
      "-in",
      file("server.csr"),
      "-CA",
      file("ca.pem"),
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-out",
      file("server.pem"),
      "-days",
      "1",
      "-extfile",
      file("san.ext"),
    ],
  ];
  for (const args of steps) {
    const run = spawnSync("openssl", args, { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`openssl ${args[0]}: ${run.stderr}`);
  }
  return { ca: file("ca.pem"), cert: file("server.pem"), key: file("server.key") };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "ai-jobs-nats-tls-"));
  const { ca, cert, key } = await makeCertificates(dir);
  caFile = ca;
  server = await startNats({ auth: true, tls: { certFile: cert, keyFile: key } });
}, 60_000);

afterAll(async () => {
  await server?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const seed = () => server.auth?.users.gateway.seed ?? "";

describe("NATS over TLS", () => {
  it("connects with NATS_TLS_CA and the service's seed, and provisions", async () => {
    const config = loadConfig(baseConfigShape, {
      NATS_URL: server.url,
      NATS_NKEY_SEED: seed(),
      NATS_TLS_CA: caFile,
    });
    const nats = await connectNats(config.NATS_URL, "tls-test", log, natsConnectOptions("gateway", config));
    try {
      expect(nats.nc.info?.tls_required).toBe(true);
      await provision(nats, { jobsMaxMsgs: 1_000, jobsMaxBytes: 64 * 1024 * 1024 });
    } finally {
      await nats.nc.close();
    }
  });

  it("refuses a connection that does not trust the server's CA", async () => {
    await expect(
      connect({
        servers: server.url,
        reconnect: false,
        authenticator: nkeyAuthenticator(new TextEncoder().encode(seed())),
      }),
    ).rejects.toThrow();
  });
});
