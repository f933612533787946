import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { LineLog } from "./lines.js";

/**
 * Children still running. This set exists only so that a test run which dies without cleaning up never leaves
 * orphan servers behind: on process exit every live child gets SIGKILL. Tests still own their handles.
 */
const live = new Set<ChildProcess>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on("exit", () => {
    for (const child of live) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  });
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
  const proc = spawn(opts.command, [...opts.args], {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
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
      live.delete(proc);
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
    if (running()) proc.kill(sig);
    return exited;
  };
  const stop = async (graceMs = 10_000) => {
    if (!running()) return exited;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (running()) proc.kill("SIGKILL");
    }, graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  return { name: opts.name, pid: proc.pid ?? -1, log, exited, running, signal, stop };
}

/** The last lines of a child's output, formatted for an error message. */
export function formatTail(child: Child, n = 50): string {
  const lines = child.log.tail(n);
  return lines.length === 0 ? "(no output)" : lines.map((l) => `  | ${l}`).join("\n");
}
