import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import {
  bootService,
  closeService,
  handleShutdown,
  loadConfig,
  mongoCheck,
  natsCheck,
  startHealthServer,
} from "@ai-jobs/runtime";
import { configShape } from "./config.js";
import { createIngestorWorker, SERVICE_NAME } from "./ingestor.js";

/** Time kept back from the shutdown budget for the last pulls to expire and the connections to close. */
const SHUTDOWN_MARGIN_MS = 8_000;

async function main(): Promise<void> {
  const config = loadConfig(configShape);
  const ctx = await bootService(SERVICE_NAME, packageVersion(), config);
  const { log } = ctx;

  let started = false;
  let draining = false;
  const health = await startHealthServer({
    host: config.HOST,
    port: config.HEALTH_PORT,
    checks: {
      nats: natsCheck(ctx.nats.nc),
      mongo: mongoCheck(ctx.mongo.db),
      worker: async () => {
        if (!started) throw new Error("worker not started");
      },
    },
    log,
    draining: () => draining,
  });

  const worker = createIngestorWorker(ctx, {
    concurrency: config.WORKER_CONCURRENCY,
    instanceId: config.SERVICE_INSTANCE_ID,
    embeddingDim: config.EMBEDDING_DIM,
    chunking: { size: config.CHUNK_SIZE_CHARS, overlap: config.CHUNK_OVERLAP_CHARS },
  });
  await worker.start();
  started = true;

  handleShutdown(log, config.SHUTDOWN_TIMEOUT_MS, [
    {
      name: "stop readiness",
      run: () => {
        draining = true;
      },
    },
    { name: "drain worker", run: () => worker.stop(Math.max(1_000, config.SHUTDOWN_TIMEOUT_MS - SHUTDOWN_MARGIN_MS)) },
    { name: "close health server", run: () => closeServer(health) },
    { name: "close connections", run: () => closeService(ctx) },
  ]);
}

function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string"
    ? pkg.version
    : "0.0.0";
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

main().catch((err: unknown) => {
  console.error(JSON.stringify({ level: "fatal", service: SERVICE_NAME, msg: "boot failed", err: String(err) }));
  process.exit(1);
});
