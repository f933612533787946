import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { toolBinary } from "./bin.js";
import { type Child, type ProcessOptions, startChildWith } from "./child.js";
import { natsArgs } from "./listen.js";
import { type NatsAuth, natsAuth } from "./nats-auth.js";
import { freePort, launchWithPortRetry } from "./ports.js";
import { waitUntilReady } from "./ready.js";
import { assertServersAllowed } from "./unit-guard.js";
import { httpOk } from "./wait.js";

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** SIGTERM, and wait for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** Start again on the same port with the same store dir (stopping the server first if it still runs). */
  restart(): Promise<void>;
  /** Stop, and remove the store dir if the testkit created it. */
  cleanup(): Promise<void>;
  /** With `auth: true`: each service's NKEY credentials, and the environment a service process connects with. */
  auth?: NatsAuth;
  /** The server's permission violations so far (each log line that reports one), for "nothing was refused" checks. */
  violations(): string[];
}

export interface StartNatsOptions {
  /** The client port (default: a free one). */
  port?: number;
  /** JetStream store dir, kept by cleanup() (`npm run dev`: .dev/nats); default: a fresh temp dir, removed by it. */
  storeDir?: string;
  /**
   * Start with the generated authorization block (one NKEY user per service, nats-auth/permissions.ts in runtime)
   * and fresh keys: anonymous clients are refused. Default false: unit-level suites connect without credentials.
   */
  auth?: boolean;
  /** Require TLS with this server certificate and key (PEM files); `caFile` also verifies client certificates. */
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** How the nats-server process runs (default: a plain child of this process). */
  process?: ProcessOptions;
}

const READY_TIMEOUT_MS = 20_000;

/** Starts the pinned nats-server (`.tools/bin/nats-server` or NATS_SERVER_BIN) with JetStream on a random port. */
export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServer> {
  assertServersAllowed("startNats()");
  const bin = toolBinary("nats-server", "NATS_SERVER_BIN");
  const ownsDir = opts.storeDir === undefined;
  const storeDir = opts.storeDir ?? (await mkdtemp(path.join(os.tmpdir(), "ai-jobs-nats-")));

  const auth = opts.auth ? natsAuth() : undefined;
  const configArgs: string[] = [];
  let configDir: string | undefined;
  if (auth) {
    configDir = await mkdtemp(path.join(os.tmpdir(), "ai-jobs-nats-conf-"));
    const configFile = path.join(configDir, "nats.conf");
    await writeFile(configFile, auth.serverConfig);
    configArgs.push("-c", configFile);
  }
  if (opts.tls) {
    configArgs.push("--tls", "--tlscert", opts.tls.certFile, "--tlskey", opts.tls.keyFile);
    if (opts.tls.caFile) configArgs.push("--tlsverify", "--tlscacert", opts.tls.caFile);
  }
  const violations: string[] = [];

  let port = opts.port ?? (await freePort());
  let monitorPort = await freePort();

  const launch = async (): Promise<Child> => {
    const child = startChildWith(
      {
        name: "nats-server",
        command: bin,
        args: [...configArgs, ...natsArgs({ port, monitorPort, storeDir })],
        env: { ...process.env, ...auth?.serverEnv },
        maxLines: 500,
      },
      opts.process,
    );
    child.log.onLine((line) => {
      if (/Violation/.test(line)) violations.push(line);
    });
    await waitUntilReady(child, () => httpOk(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`), {
      what: `nats-server to be healthy on 127.0.0.1:${port} (monitor ${monitorPort})`,
      timeoutMs: READY_TIMEOUT_MS,
    });
    return child;
  };

  let child: Child;
  try {
    child = await launchWithPortRetry(launch, async () => {
      if (opts.port === undefined) port = await freePort();
      monitorPort = await freePort();
    });
  } catch (err) {
    if (ownsDir) await rm(storeDir, { recursive: true, force: true });
    if (configDir) await rm(configDir, { recursive: true, force: true });
    throw err;
  }

  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    auth,
    violations: () => [...violations],
    async stop() {
      await child.stop();
    },
    async kill() {
      await child.signal("SIGKILL");
    },
    async restart() {
      await child.stop();
      child = await launch();
    },
    async cleanup() {
      await child.stop();
      if (ownsDir) await rm(storeDir, { recursive: true, force: true });
      if (configDir) await rm(configDir, { recursive: true, force: true });
    },
  };
  return server;
}
