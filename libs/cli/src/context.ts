import type { AiJobsClient } from "@ai-jobs/sdk";
import type { Output } from "./output.js";

/** What a command works with; `args` are its own words and flags (its name taken off). */
export interface Context {
  client: AiJobsClient;
  out: Output;
  args: readonly string[];
  /** Aborted by Ctrl-C: ends a watch or a tail. */
  signal: AbortSignal;
  readText(path: string): Promise<string>;
  /** A file as a Blob read from disk as it is sent (`fs.openAsBlob`). */
  openFile(path: string): Promise<Blob>;
}

/** A command's exit code: 0 done, 1 a watched job failed or was cancelled. */
export type Command = (ctx: Context) => Promise<number>;
