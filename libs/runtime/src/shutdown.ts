import type { Logger } from "./logger.js";

export type ShutdownStep = { name: string; run: () => Promise<void> | void };

/**
 * Runs the steps in order on SIGTERM or SIGINT (stop intake, drain work, close connections, flush telemetry),
 * then exits. A step that hangs cannot keep the process alive past `timeoutMs`.
 */
export function handleShutdown(
  log: Logger,
  timeoutMs: number,
  steps: ShutdownStep[],
): { shutdown: () => Promise<void> } {
  let running: Promise<void> | undefined;
  const shutdown = () => {
    running ??= (async () => {
      const force = setTimeout(() => {
        log.error({ timeoutMs }, "shutdown timed out; exiting");
        process.exit(1);
      }, timeoutMs);
      force.unref();
      for (const step of steps) {
        try {
          await step.run();
          log.info({ step: step.name }, "shutdown step done");
        } catch (err) {
          log.error({ err, step: step.name }, "shutdown step failed");
        }
      }
      clearTimeout(force);
    })();
    return running;
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info({ signal }, "shutting down");
      void shutdown().then(() => process.exit(0));
    });
  }
  return { shutdown };
}
