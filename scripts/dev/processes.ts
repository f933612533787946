// Every process `npm run dev` starts, in its own process group (a Ctrl-C in the terminal reaches only the dev
// script), with its output on the console and in its log file, and stopped in order: services, then NATS and
// FerretDB, then PostgreSQL.
import { createWriteStream } from "node:fs";
import type { Child, ProcessOptions } from "@ai-jobs/testkit";
import { c, print, render, say } from "./console.js";

/** The shutdown order: services first, then NATS and FerretDB, then PostgreSQL (FerretDB is its only client). */
const PHASES = ["service", "infra", "store"] as const;
export type Phase = (typeof PHASES)[number];

/** How long a process has from SIGTERM to its exit before it gets SIGKILL. */
export const GRACE_MS = 10_000;
const OUTPUT_LINES_KEPT = 200;

export interface Output {
  /** Which lines reach the console (default: all); every line goes to `logFile`. */
  show?: (line: string) => boolean;
  /** Appended to. */
  logFile?: string;
}

interface Entry {
  name: string;
  phase: Phase;
  child: Child;
}

export class Processes {
  private readonly entries: Entry[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly stopHooks = new Set<() => void>();
  private stoppingFlag = false;
  /** While true, an infrastructure process that exits is a startup failure, which its starter reports. */
  private starting = true;

  /** True once stop() or kill() has been called. */
  get stopping(): boolean {
    return this.stoppingFlag;
  }

  /** ProcessOptions for a testkit starter: detached, output shown and logged, stopped in `phase`. */
  run(name: string, phase: Phase, output: Output = {}): ProcessOptions {
    return { detached: true, maxLines: OUTPUT_LINES_KEPT, onStart: (child) => this.add(name, phase, child, output) };
  }

  /** From now on, any exit is reported as unexpected. */
  started(): void {
    this.starting = false;
  }

  /**
   * Calls `hook` first thing on stop() or kill(), and when this process exits: for a process that is not a testkit
   * child (scripts/bootstrap.sh). Returns the function that removes the hook.
   */
  onStop(hook: () => void): () => void {
    this.stopHooks.add(hook);
    process.on("exit", hook);
    return () => {
      this.stopHooks.delete(hook);
      process.off("exit", hook);
    };
  }

  private runStopHooks(): void {
    for (const hook of this.stopHooks) hook();
  }

  /** Runs `cleanup` once every process has stopped (e.g. a server's temp files). */
  afterStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  private add(name: string, phase: Phase, child: Child, output: Output): void {
    this.entries.push({ name, phase, child });
    const file = output.logFile ? createWriteStream(output.logFile, { flags: "a" }) : undefined;
    file?.once("error", (err) => say(c.yellow(`cannot write ${output.logFile}: ${err.message}`)));
    child.log.onLine((line) => {
      if (file?.writable) file.write(`${line}\n`);
      if (output.show?.(line) ?? true) print(name, render(line));
    });
    void child.exited.then((code) => {
      file?.end();
      if (this.stoppingFlag || (phase !== "service" && this.starting)) return;
      const how = code === null ? "killed by a signal" : `code ${code}`;
      say(c.red(c.bold(`✖ ${name} exited unexpectedly (${how}); the rest keep running.`)));
      // Service output is all on screen already; infrastructure output is filtered, so show its tail.
      if (phase !== "service") for (const line of child.log.tail(15)) print(name, c.dim(line));
    });
    // Started while the stack stops (its starter was still running): it goes too.
    if (this.stoppingFlag) void this.stopOne({ name, phase, child });
  }

  private async stopOne({ name, child }: Entry): Promise<void> {
    if (!child.running()) return;
    const late = setTimeout(() => say(c.yellow(`${name} did not stop within ${GRACE_MS / 1000} s: SIGKILL`)), GRACE_MS);
    try {
      await child.stop(GRACE_MS);
    } finally {
      clearTimeout(late);
    }
  }

  /** SIGTERM phase by phase, each process getting SIGKILL after GRACE_MS; resolves when all are gone. */
  async stop(): Promise<void> {
    this.stoppingFlag = true;
    this.runStopHooks();
    for (const phase of PHASES) {
      await Promise.all(this.entries.filter((e) => e.phase === phase).map((e) => this.stopOne(e)));
    }
    // Whatever a starter spawned meanwhile.
    await Promise.all(this.entries.map((e) => this.stopOne(e)));
    for (const cleanup of this.cleanups) await cleanup().catch(() => undefined);
  }

  /** SIGKILL for every process group at once. */
  kill(): void {
    this.stoppingFlag = true;
    this.runStopHooks();
    for (const { child } of this.entries) void child.signal("SIGKILL");
  }
}
