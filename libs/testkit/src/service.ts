import { type ProcessOptions, startChildWith } from "./child.js";
import { waitUntilReady } from "./ready.js";
import { repoRoot } from "./repo.js";
import { assertServersAllowed } from "./unit-guard.js";
import { httpOk } from "./wait.js";

export interface SpawnServiceOptions {
  /** Used in log prefixes and error messages. */
  name: string;
  /** Absolute path to the entry file (.js; a .ts entry runs through tsx with the "source" condition). */
  entry: string;
  /** Added to the test process's environment. */
  env: Record<string, string>;
  /** Poll this URL until it answers 200 (30 s) before resolving. */
  readyUrl?: string;
  /** How the service process runs (default: a plain child of this process, every output line kept). */
  process?: ProcessOptions;
}

export interface ServiceProcess {
  name: string;
  pid: number;
  /** Every stdout and stderr line so far. */
  logs(): string[];
  /** Resolves with the first line (past or future) matching `predicate`; rejects on timeout or process exit. */
  waitForLog(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code (null if a signal ended it) once exited. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * Runs a service as a real child process of the Node that runs the tests, so that tests can kill it. Set
 * TEST_SERVICE_LOGS=1 to see its output live.
 */
export async function spawnService(opts: SpawnServiceOptions): Promise<ServiceProcess> {
  assertServersAllowed(`spawnService(${opts.name})`);
  const tsArgs = opts.entry.endsWith(".ts") ? ["--conditions=source", "--import", "tsx"] : [];
  const child = startChildWith(
    {
      name: opts.name,
      command: process.execPath,
      args: [...tsArgs, opts.entry],
      env: { ...process.env, ...opts.env },
      cwd: repoRoot(),
      ...(process.env.TEST_SERVICE_LOGS === "1" ? { echoPrefix: `[${opts.name}] ` } : {}),
    },
    opts.process,
  );

  if (opts.readyUrl !== undefined) {
    const readyUrl = opts.readyUrl;
    await waitUntilReady(child, () => httpOk(readyUrl), {
      what: `${opts.name} to answer 200 on ${readyUrl}`,
      timeoutMs: READY_TIMEOUT_MS,
      tailLines: 50,
    });
  }

  const waitForLog = (predicate: (line: string) => boolean, timeoutMs = 15_000): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const seen = child.log.all().find(predicate);
      if (seen !== undefined) return resolve(seen);
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        fn();
      };
      const unsubscribe = child.log.onLine((line) => {
        if (predicate(line)) finish(() => resolve(line));
      });
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${opts.name}: no matching log line within ${timeoutMs} ms`))),
        timeoutMs,
      );
      void child.exited.then((code) =>
        finish(() => reject(new Error(`${opts.name} exited (code ${String(code)}) before a matching log line`))),
      );
    });

  return {
    name: opts.name,
    pid: child.pid,
    logs: () => child.log.all(),
    waitForLog,
    kill: (signal = "SIGTERM") => child.signal(signal),
    exited: child.exited,
  };
}
