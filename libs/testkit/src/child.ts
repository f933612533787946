import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { LineLog } from "./lines.js";

/**
 * Children still running, each with its SIGKILL. This set exists only so that a process which dies without cleaning
 * up (a test run, or `npm run dev` on an uncaught error) never leaves orphan servers behind: on process exit every
 * live child gets SIGKILL. Callers still own their handles.
 */
const live = new Set<() => void>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on("exit", () => {
    for (const kill of live) kill();
  });
}

/** Sends `signal` to the process group `pid` leads; false when there is no such group (any more). */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface ChildOptions {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep only the last `maxLines` output lines (default: all). */
  maxLines?: number;
  /** Also write each line to process.stderr with this prefix. */
  echoPrefix?: string;
  /**
   * Run it in a process group (and session) of its own (default false): a Ctrl-C in the terminal then reaches only
   * this process, which stops the child in its own order (`npm run dev`). SIGKILL goes to the child's whole group,
   * and once the child has exited whatever is left of its group (a grandchild) gets SIGKILL too.
   */
  detached?: boolean;
}

/**
 * How a testkit starter (startNats, startMongo, spawnService, startPostgresProcess) runs its process, for a caller
 * that is not a test: `npm run dev` runs the stack detached, shows the output and stops the processes in its order.
 */
export interface ProcessOptions {
  /** See ChildOptions.detached. */
  detached?: boolean;
  /** Keep only the last `maxLines` output lines (default: the starter's own). */
  maxLines?: number;
  /**
   * Called with each process the starter spawns, as soon as it is spawned (before it is ready, and again for a
   * restart or a retry on fresh ports). Subscribe to `child.log` here to see every line.
   */
  onStart?: (child: Child) => void;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly log: LineLog;
  /** Resolves with the exit code (null when a signal ended it) once the process is gone and its output is read. */
  readonly exited: Promise<number | null>;
  running(): boolean;
  /** Sends `signal` if the process still runs, and resolves when it has exited. */
  signal(signal: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Spawns a process with piped output captured line by line. */
export function startChild(opts: ChildOptions): Child {
  installExitHook();
  const detached = opts.detached ?? false;
  const proc = spawn(opts.command, [...opts.args], {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    detached,
  });
  /** SIGKILL for the whole group of a detached child; every other signal for the child itself, which stops its own. */
  const kill = (sig: NodeJS.Signals) => {
    if (detached && sig === "SIGKILL" && proc.pid !== undefined && signalGroup(proc.pid, sig)) return;
    try {
      proc.kill(sig);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => {
    if (proc.exitCode === null && proc.signalCode === null) kill("SIGKILL");
  };
  live.add(killOnExit);
  const log = new LineLog(opts.maxLines);
  const echo = opts.echoPrefix;
  const push = (line: string) => {
    log.push(line);
    if (echo !== undefined) process.stderr.write(`${echo}${line}\n`);
  };
  const streamsDone: Promise<void>[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    if (!stream) continue;
    const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    rl.on("line", push);
    streamsDone.push(new Promise<void>((resolve) => rl.once("close", resolve)));
  }

  let exitedFlag = false;
  const exited = new Promise<number | null>((resolve) => {
    const finish = (code: number | null) => {
      if (exitedFlag) return;
      exitedFlag = true;
      live.delete(killOnExit);
      if (detached && proc.pid !== undefined) signalGroup(proc.pid, "SIGKILL");
      // Let the last output lines arrive, without waiting forever on a pipe a grandchild may hold open.
      const grace = new Promise<void>((r) => setTimeout(r, 500).unref());
      void Promise.race([Promise.all(streamsDone), grace]).then(() => resolve(code));
    };
    proc.once("exit", (code) => finish(code));
    proc.once("error", (err) => {
      push(`[testkit] process error: ${err.message}`);
      if (proc.pid === undefined) finish(null);
    });
  });

  const running = () => !exitedFlag && proc.exitCode === null && proc.signalCode === null;
  const signal = (sig: NodeJS.Signals) => {
    if (running()) kill(sig);
    return exited;
  };
  const stop = async (graceMs = 10_000) => {
    if (!running()) return exited;
    kill("SIGTERM");
    const timer = setTimeout(() => {
      if (running()) kill("SIGKILL");
    }, graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  return { name: opts.name, pid: proc.pid ?? -1, log, exited, running, signal, stop };
}

/** startChild for a testkit starter: `opts` with the caller's ProcessOptions applied, and onStart told. */
export function startChildWith(opts: ChildOptions, how: ProcessOptions = {}): Child {
  const child = startChild({
    ...opts,
    ...(how.detached !== undefined ? { detached: how.detached } : {}),
    ...(how.maxLines !== undefined ? { maxLines: how.maxLines } : {}),
  });
  how.onStart?.(child);
  return child;
}

/** The last lines of a child's output, formatted for an error message. */
export function formatTail(child: Child, n = 50): string {
  const lines = child.log.tail(n);
  return lines.length === 0 ? "(no output)" : lines.map((l) => `  | ${l}`).join("\n");
}
