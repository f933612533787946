import {
  bootService,
  closeService,
  handleShutdown,
  loadConfig,
  mongoCheck,
  natsCheck,
  packageVersion,
  runMain,
} from "@ai-jobs/runtime";
import { buildApp } from "./app.js";
import { configShape } from "./config.js";
import { createProjector } from "./projection/projector.js";

const SERVICE = "events";

runMain(SERVICE, async () => {
  const config = loadConfig(configShape);
  const ctx = await bootService(SERVICE, packageVersion(new URL("../package.json", import.meta.url)), config);
  const { log, nats, mongo, messaging } = ctx;

  const projector = createProjector({
    nats,
    messaging,
    collections: mongo.collections,
    log,
    batchSize: config.PROJECTOR_BATCH_SIZE,
  });
  await projector.start();

  let draining = false;
  const app = buildApp({
    log,
    tokens: config.AUTH_TOKENS,
    jobs: mongo.collections.jobs,
    nats,
    keepAliveMs: config.SSE_KEEPALIVE_MS,
    readiness: { nats: natsCheck(nats.nc), mongo: mongoCheck(mongo.db) },
    draining: () => draining,
  });
  await app.listen({ port: config.PORT, host: config.HOST });

  handleShutdown(log, config.SHUTDOWN_TIMEOUT_MS, [
    {
      name: "mark draining",
      run: () => {
        draining = true;
      },
    },
    // Ends the open SSE streams; their clients resume on another replica with Last-Event-ID.
    { name: "close http", run: () => app.close() },
    { name: "stop projector", run: () => projector.stop() },
    { name: "close connections", run: () => closeService(ctx) },
  ]);
  log.info({ port: config.PORT }, "events service ready");
});
